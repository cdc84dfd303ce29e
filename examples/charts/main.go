// Command charts draws what people would rather look at than read: the
// distribution of account scores in a synthetic base with the bands marked,
// and, for one account, a waterfall from the baseline through each
// persona's contribution and the veto cap to the score.
//
//	go run . -out /tmp/charts
//
// It writes scores.png and waterfall.png.
package main

import (
	"cmp"
	"flag"
	"fmt"
	"image/color"
	"log"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/scoring"
)

func main() {
	out := flag.String("out", ".", "folder for the PNG files")
	flag.Parse()
	files, err := run(*out)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println("wrote", f)
	}
}

var (
	green = color.RGBA{R: 46, G: 139, B: 87, A: 255}
	red   = color.RGBA{R: 200, G: 60, B: 50, A: 255}
	grey  = color.RGBA{R: 120, G: 120, B: 120, A: 255}
	blue  = color.RGBA{R: 50, G: 100, B: 170, A: 255}
)

func run(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	base, err := villagesim.Generate(villagesim.Config{Seed: 1, Accounts: 1000})
	if err != nil {
		return nil, err
	}
	signals := base.Signals(villagesim.SignalConfig{Seed: 1})
	model := scoring.DefaultModel(base.Catalog)
	s, err := scoring.Compile(model, base.Catalog)
	if err != nil {
		return nil, err
	}
	var results []scoring.Result
	for i, a := range base.Accounts {
		r, err := s.Score(a, signals[i], base.End)
		if err != nil {
			return nil, err
		}
		results = append(results, r)
	}
	scores := filepath.Join(dir, "scores.png")
	if err := distribution(results, model, scores); err != nil {
		return nil, err
	}
	// The waterfall of the account whose veto cost it most, if any, else the lowest scored.
	pick := slices.MinFunc(results, func(a, b scoring.Result) int {
		return cmp.Or(cmp.Compare(a.VetoAdjustment, b.VetoAdjustment), cmp.Compare(a.Score, b.Score))
	})
	water := filepath.Join(dir, "waterfall.png")
	if err := waterfall(pick, water); err != nil {
		return nil, err
	}
	return []string{scores, water}, nil
}

// distribution draws a histogram of the scored accounts with the band
// cut-offs as vertical lines, and says how many had too little coverage.
func distribution(results []scoring.Result, m scoring.Model, path string) error {
	var values plotter.Values
	insufficient := 0
	for _, r := range results {
		if !r.Scored {
			continue
		}
		if r.Band == scoring.BandInsufficient {
			insufficient++
		}
		values = append(values, r.Score)
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Account health, %d accounts (%d with too little of the village heard)", len(values), insufficient)
	p.X.Label.Text = "persona-aware score"
	p.Y.Label.Text = "accounts"
	p.X.Min, p.X.Max = 0, 100
	h, err := plotter.NewHist(values, 40)
	if err != nil {
		return err
	}
	h.FillColor = blue
	h.LineStyle.Width = 0
	p.Add(h)
	top := 0.0
	for _, b := range h.Bins {
		top = max(top, b.Weight)
	}
	for i, b := range m.Bands {
		if i > 0 {
			line, _ := plotter.NewLine(plotter.XYs{{X: b.Min, Y: 0}, {X: b.Min, Y: top * 1.1}})
			line.Color = grey
			line.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(line)
		}
		hi := 100.0
		if i+1 < len(m.Bands) {
			hi = m.Bands[i+1].Min
		}
		labels, _ := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: (b.Min + hi) / 2, Y: top * 1.05}}, Labels: []string{b.Name}})
		for j := range labels.TextStyle {
			labels.TextStyle[j].XAlign = draw.XCenter
		}
		p.Add(labels)
	}
	p.Y.Max = top * 1.15
	return p.Save(8*vg.Inch, 4.5*vg.Inch, path)
}

// waterfall draws baseline -> each persona's contribution -> veto -> score
// as floating bars: green up, red down, grey for the baseline and the score.
func waterfall(r scoring.Result, path string) error {
	type step struct {
		label    string
		from, to float64
		c        color.Color
	}
	steps := []step{{"baseline", 0, r.Baseline, grey}}
	level := r.Baseline
	for _, ps := range r.Personas {
		if ps.Contribution == 0 {
			continue
		}
		c := green
		if ps.Contribution < 0 {
			c = red
		}
		steps = append(steps, step{string(ps.Persona), level, level + ps.Contribution, c})
		level += ps.Contribution
	}
	if r.Veto.Applied {
		steps = append(steps, step{"veto: " + string(r.Veto.Persona), level, r.Score, red})
	}
	steps = append(steps, step{"score", 0, r.Score, grey})

	p := plot.New()
	p.Title.Text = fmt.Sprintf("Why %s scores %.1f (%.1f..%.1f, %s)", r.Account, r.Score, r.Low, r.High, r.Band)
	p.Y.Label.Text = "score"
	p.Y.Min, p.Y.Max = 0, 100
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = st.label
		lo, hi := min(st.from, st.to), max(st.from, st.to)
		box, err := plotter.NewBarChart(floatingBar(i, len(steps), hi), vg.Points(28))
		if err != nil {
			return err
		}
		box.Color = st.c
		box.LineStyle.Width = 0
		box.Offset = 0
		// A bar from lo to hi: draw hi in colour, then lo in white over it.
		p.Add(box)
		if lo > 0 {
			under, _ := plotter.NewBarChart(floatingBar(i, len(steps), lo), vg.Points(28))
			under.Color = color.White
			under.LineStyle.Width = 0
			p.Add(under)
		}
		label := fmt.Sprintf("%+.1f", st.to-st.from)
		if st.from == 0 {
			label = fmt.Sprintf("%.1f", st.to)
		}
		lbl, _ := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: float64(i), Y: hi + 2}}, Labels: []string{label}})
		lbl.TextStyle[0].XAlign = draw.XCenter
		p.Add(lbl)
	}
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = 0.6
	p.X.Tick.Label.XAlign = draw.XRight
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

// floatingBar is a bar chart's values with v at position i and 0 elsewhere.
func floatingBar(i, n int, v float64) plotter.Values {
	vals := make(plotter.Values, n)
	vals[i] = v
	return vals
}
