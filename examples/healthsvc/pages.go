package main

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/villagecx/village/scoring"
)

// The pages are server-rendered HTML with no script and no external
// resource: the service works offline, and the Content-Security-Policy
// forbids everything but its own stylesheet. Every value goes through
// html/template, which escapes it for where it lands (text, attribute,
// URL), so an account ID holding markup renders as text.

//go:embed templates/*.html static/style.css
var assets embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"pct":    func(x float64) string { return fmt.Sprintf("%.0f%%", 100*x) },
	"num":    func(x float64) string { return fmt.Sprintf("%.1f", x) },
	"signed": func(x float64) string { return fmt.Sprintf("%+.1f", x) },
	"date":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
	"join":   func(s []string) string { return strings.Join(s, ", ") },
	"slug":   func(s string) string { return strings.ReplaceAll(s, " ", "-") },
}).ParseFS(assets, "templates/*.html"))

// contentSecurityPolicy allows the page its own stylesheet and forms, and
// nothing else: no script at all, inline or not.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// pageSize is the number of accounts on one page of the base.
const pageSize = 50

// pageResult is what the account page shows of a Result, stored with the
// latest score: the parts of the waterfall and who was heard, without the
// dropped signals themselves (their reasons are counted).
type pageResult struct {
	Baseline          float64        `json:"baseline"`
	Score             float64        `json:"score"`
	Personas          []pagePersona  `json:"personas"`
	PriorContribution float64        `json:"prior_contribution"`
	Terms             []pageTerm     `json:"terms"`
	VetoAdjustment    float64        `json:"veto_adjustment"`
	Veto              string         `json:"veto"`
	Missing           []string       `json:"missing"`
	MissingAtPrior    bool           `json:"missing_at_prior"`
	SingleThreaded    []string       `json:"single_threaded"`
	Dropped           map[string]int `json:"dropped"`
	Committee         []string       `json:"committee"`
	Explanation       string         `json:"explanation"`
}

type pagePersona struct {
	Persona      string  `json:"persona"`
	Score        float64 `json:"score"`
	StdErr       float64 `json:"std_err"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
	Contacts     int     `json:"contacts"`
	Signals      int     `json:"signals"`
	Veto         bool    `json:"veto"`
}

type pageTerm struct {
	Text   string  `json:"text"`
	Points float64 `json:"points"`
}

func pageResultOf(r *scoring.Result) pageResult {
	p := pageResult{Baseline: r.Baseline, Score: r.Score, PriorContribution: r.PriorContribution, VetoAdjustment: r.VetoAdjustment,
		MissingAtPrior: r.MissingAtPrior, Dropped: map[string]int{}, Explanation: r.String()}
	for _, ps := range r.Personas {
		p.Personas = append(p.Personas, pagePersona{Persona: string(ps.Persona), Score: ps.Score, StdErr: ps.StdErr, Weight: ps.Weight,
			Contribution: ps.Contribution, Contacts: ps.Contacts, Signals: ps.Signals, Veto: ps.Veto})
	}
	for _, t := range r.Terms {
		p.Terms = append(p.Terms, pageTerm{Text: t.String(), Points: t.Points})
	}
	if r.Veto.Applied {
		p.Veto = string(r.Veto.Persona)
	}
	for _, m := range r.Missing {
		p.Missing = append(p.Missing, string(m))
	}
	for _, m := range r.SingleThreaded {
		p.SingleThreaded = append(p.SingleThreaded, string(m))
	}
	for _, d := range r.Dropped {
		p.Dropped[d.Reason.String()]++
	}
	for _, seat := range r.Committee {
		p.Committee = append(p.Committee, seat.String())
	}
	return p
}

// step is one bar of the waterfall: from the running total before it to
// the one after.
type step struct {
	Label      string
	Points     float64
	From, To   float64
	Total      bool // the baseline or the final score, drawn from 0
	X, Y, H, W float64
}

// waterfall lays out the parts of r, baseline first and score last, as
// bars on a 0..100 scale drawn in a box of the given height.
func waterfall(r *pageResult, height float64) []step {
	steps := []step{{Label: "baseline", Points: r.Baseline, From: 0, To: r.Baseline, Total: true}}
	run := r.Baseline
	add := func(label string, points float64) {
		steps = append(steps, step{Label: label, Points: points, From: run, To: run + points})
		run += points
	}
	for _, p := range r.Personas {
		add(p.Persona, p.Contribution)
	}
	if r.PriorContribution != 0 {
		add("not heard, at the prior", r.PriorContribution)
	}
	for _, t := range r.Terms {
		add(t.Text, t.Points)
	}
	if r.VetoAdjustment != 0 {
		add("veto: "+r.Veto, r.VetoAdjustment)
	}
	steps = append(steps, step{Label: "score", Points: r.Score, From: 0, To: r.Score, Total: true})
	const barW, gap = 26.0, 8.0
	for i := range steps {
		s := &steps[i]
		lo, hi := math.Min(s.From, s.To), math.Max(s.From, s.To)
		s.X = float64(i) * (barW + gap)
		s.W = barW
		s.Y = height * (1 - hi/100)
		s.H = math.Max(height*(hi-lo)/100, 1)
	}
	return steps
}

// chart is an account's score history laid out as an SVG: a polyline of
// the scores, a polygon of the intervals, a circle per point.
type chart struct {
	W, H       float64
	Line, Band string
	Points     []chartPoint
	Gridlines  []gridline
}

type chartPoint struct {
	X, Y float64
	Point
}

type gridline struct {
	Y     float64
	Label int
}

func historyChart(points []Point, w, h float64) chart {
	const left, right, pad = 40.0, 15.0, 10.0 // room for the axis labels and the points
	c := chart{W: w, H: h}
	y := func(v float64) float64 { return pad + (h-2*pad)*(1-v/100) }
	for _, v := range []int{0, 25, 50, 75, 100} {
		c.Gridlines = append(c.Gridlines, gridline{Y: y(float64(v)), Label: v})
	}
	if len(points) == 0 {
		return c
	}
	first, last := points[0].At, points[len(points)-1].At
	x := func(t time.Time) float64 {
		if !last.After(first) {
			return (left + w - right) / 2
		}
		return left + (w-left-right)*float64(t.Sub(first))/float64(last.Sub(first))
	}
	var line, upper, lower []string
	for _, p := range points {
		c.Points = append(c.Points, chartPoint{X: x(p.At), Y: y(p.Score), Point: p})
		line = append(line, fmt.Sprintf("%.1f,%.1f", x(p.At), y(p.Score)))
		upper = append(upper, fmt.Sprintf("%.1f,%.1f", x(p.At), y(p.High)))
		lower = append([]string{fmt.Sprintf("%.1f,%.1f", x(p.At), y(p.Low))}, lower...)
	}
	c.Line = strings.Join(line, " ")
	c.Band = strings.Join(append(upper, lower...), " ")
	return c
}

// trendArrow is the list's arrow for a row: the trend of the JSON API's
// account view, from the score before.
func trendArrow(r Row) string {
	if r.Prev == nil {
		return ""
	}
	switch trend(r.Score-r.Prev.Score, r.Point, *r.Prev) {
	case "up":
		return "↑"
	case "down":
		return "↓"
	case "flat":
		return "→"
	}
	return "?"
}

// render writes a page with its status and the security headers.
func render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		writeError(w, http.StatusInternalServerError, "the page could not be drawn", nil)
		return
	}
	if jw, ok := w.(*jsonWriter); ok {
		jw.page = true
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// pageError is a page's error: HTML, like the page asked for.
func pageError(w http.ResponseWriter, code int, message string) {
	render(w, code, "error.html", map[string]any{"Code": code, "Message": message})
}

// baseView is the data of the base page.
type baseView struct {
	Rows               []viewRow
	Total, Page, Pages int
	Query              PageQuery
	Bands, Segments    []string
	Prev, Next         string // links, "" at the ends
	SortLinks          map[string]string
	ModelVersion       int
}

type viewRow struct {
	Row
	Arrow string
	Link  string
}

func (s *Server) basePage(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		pageError(w, http.StatusNotFound, "no such page")
		return
	}
	q := r.URL.Query()
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	pq := PageQuery{Band: q.Get("band"), Segment: q.Get("segment"), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc",
		Offset: (page - 1) * pageSize, Limit: pageSize}
	if pq.Sort != "coverage" && pq.Sort != "account" {
		pq.Sort = "score"
	}
	rows, total, err := s.store.Page(r.Context(), pq)
	if err != nil {
		s.log.Error("base page", "err", err)
		pageError(w, http.StatusInternalServerError, "the scores could not be read")
		return
	}
	segments, err := s.store.Segments(r.Context())
	if err != nil {
		s.log.Error("base page", "err", err)
		pageError(w, http.StatusInternalServerError, "the segments could not be read")
		return
	}
	mv := s.scorer.Load()
	v := baseView{Total: total, Page: page, Pages: max(1, (total+pageSize-1)/pageSize), Query: pq, Segments: segments,
		SortLinks: map[string]string{}, ModelVersion: mv.version}
	for _, b := range mv.scorer.Model().Bands {
		v.Bands = append(v.Bands, b.Name)
	}
	v.Bands = append(v.Bands, scoring.BandInsufficient)
	link := func(change func(url.Values)) string {
		vals := url.Values{}
		for k, val := range map[string]string{"band": pq.Band, "segment": pq.Segment, "sort": pq.Sort} {
			if val != "" {
				vals.Set(k, val)
			}
		}
		if pq.Desc {
			vals.Set("dir", "desc")
		}
		vals.Set("page", strconv.Itoa(page))
		change(vals)
		return "/?" + vals.Encode()
	}
	for _, col := range []string{"score", "coverage", "account"} {
		v.SortLinks[col] = link(func(vals url.Values) {
			vals.Set("sort", col)
			vals.Set("page", "1")
			vals.Del("dir")
			if col == pq.Sort && !pq.Desc {
				vals.Set("dir", "desc")
			}
		})
	}
	if page > 1 {
		v.Prev = link(func(vals url.Values) { vals.Set("page", strconv.Itoa(page-1)) })
	}
	if page < v.Pages {
		v.Next = link(func(vals url.Values) { vals.Set("page", strconv.Itoa(page+1)) })
	}
	for _, row := range rows {
		v.Rows = append(v.Rows, viewRow{Row: row, Arrow: trendArrow(row), Link: "/accounts/" + url.PathEscape(row.Account)})
	}
	render(w, http.StatusOK, "base.html", v)
}

// accountView is the data of an account's page.
type accountView struct {
	Account, Name, Segment string
	Latest                 Point
	History                []Point
	Chart                  chart
	Result                 *pageResult
	Waterfall              []step
	WaterfallW             float64
	Dropped                []droppedCount
	Skipped                int
}

type droppedCount struct {
	Reason string
	N      int
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	explained, name, segment, ok, err := s.store.Explanation(r.Context(), id)
	if err != nil {
		s.log.Error("account page", "err", err)
		pageError(w, http.StatusInternalServerError, "the account could not be read")
		return
	}
	if !ok {
		pageError(w, http.StatusNotFound, fmt.Sprintf("no score stored for account %q", id))
		return
	}
	history, skipped, err := s.store.History(r.Context(), id, historyPoints)
	if err != nil || len(history) == 0 {
		s.log.Error("account page", "err", err)
		pageError(w, http.StatusInternalServerError, "the history could not be read")
		return
	}
	v := accountView{Account: id, Name: name, Segment: segment, Latest: history[len(history)-1], History: history,
		Chart: historyChart(history, 640, 200), Skipped: len(skipped)}
	if explained != nil {
		var pr pageResult
		if err := json.Unmarshal(explained, &pr); err == nil {
			v.Result = &pr
			v.Waterfall = waterfall(&pr, 200)
			v.WaterfallW = float64(len(v.Waterfall)) * 34
			for reason, n := range pr.Dropped {
				v.Dropped = append(v.Dropped, droppedCount{reason, n})
			}
			slices.SortFunc(v.Dropped, func(a, b droppedCount) int { return cmp.Or(cmp.Compare(b.N, a.N), cmp.Compare(a.Reason, b.Reason)) })
		}
	}
	render(w, http.StatusOK, "account.html", v)
}

func (s *Server) modelPage(w http.ResponseWriter, r *http.Request) {
	mv := s.scorer.Load()
	js, err := json.MarshalIndent(mv.scorer.Model(), "", "  ")
	if err != nil {
		pageError(w, http.StatusInternalServerError, "the model could not be shown")
		return
	}
	versions, err := s.store.Models(r.Context())
	if err != nil {
		s.log.Error("model page", "err", err)
		pageError(w, http.StatusInternalServerError, "the model versions could not be read")
		return
	}
	render(w, http.StatusOK, "model.html", map[string]any{"Version": mv.version, "JSON": string(js), "Versions": versions})
}

func styleSheet(w http.ResponseWriter, r *http.Request) {
	css, _ := assets.ReadFile("static/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(css)
}
