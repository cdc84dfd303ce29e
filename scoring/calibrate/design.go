package calibrate

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// departureWindow and departed are the relationship features: a contact of
// one of these personas who left within the window before the cut-off.
const departureWindow = 120 * 24 * time.Hour

var departed = []persona.ID{persona.Champion, persona.LineOfBusiness, persona.FinanceExecutive}

// joinWindow and joined are the new decision makers: a contact of one of
// these personas who joined within the window before the cut-off and has
// not been heard since (scoring.EventJoinedUnheard).
const joinWindow = 270 * 24 * time.Hour

var joined = []persona.ID{persona.LineOfBusiness, persona.FinanceExecutive, persona.CIO}

// hingeGrid holds the soft-veto thresholds tried, chosen by cross-validation.
var hingeGrid = []float64{30, 40, 50}

// columnKind is what a feature measures.
type columnKind int

const (
	colMean     columnKind = iota // a persona's shrunk mean on a metric, (mean - 50)/50, the prior where not heard
	colHeard                      // 1 when the persona was heard at all
	colDeparted                   // 1 when a contact of the persona left within departureWindow before the cut-off
	colHinge                      // the sum over veto personas heard of max(0, threshold - raw mean)/50
	colFit                        // the account's fit score under Options.Fit
	colJoined                     // 1 when a contact of the persona joined within joinWindow and has not been heard since
)

// column is one feature: its kind, and the persona, metric or threshold it is of.
type column struct {
	kind      columnKind
	persona   persona.ID
	metric    string
	threshold float64
}

func (c column) String() string {
	switch c.kind {
	case colMean:
		return fmt.Sprintf("%s on %s", c.persona, c.metric)
	case colHeard:
		return fmt.Sprintf("%s heard", c.persona)
	case colDeparted:
		return fmt.Sprintf("%s left within %d days", c.persona, int(departureWindow/(24*time.Hour)))
	case colFit:
		return "fit to the ideal customer profile"
	case colJoined:
		return fmt.Sprintf("%s joined within %d days, not heard", c.persona, int(joinWindow/(24*time.Hour)))
	default:
		return fmt.Sprintf("veto holders below %.0f", c.threshold)
	}
}

// design is a feature matrix: a row per account, a column per feature.
type design struct {
	cols  []column
	rows  [][]float64
	heard map[column]int      // for colMean columns: the accounts where the persona was heard on the metric
	fit   *persona.FitProfile // the profile of the colFit column, if any
}

// inModel reports whether the calibrated model, with the soft veto's
// threshold t, uses column c: every feature but the heard indicators and
// the other thresholds' hinges.
func inModel(c column, t float64) bool {
	return c.kind == colMean || c.kind == colDeparted || c.kind == colFit || c.kind == colJoined || (c.kind == colHinge && c.threshold == t)
}

// features builds, for every account as of its cut-off (At - lead), every
// feature the calibration and its yardstick draw on: each persona's mean on
// each metric shrunk toward the model's prior; whether each persona was
// heard; whether a champion or an executive left in the 120 days before;
// whether a new decision maker joined in the 270 days before and has not
// been heard since; and the soft-veto hinge at each threshold of hingeGrid, from the veto
// personas' raw means in results (the base model's results at the cut-off);
// with a fit profile, the account's fit score.
func features(s *scoring.Scorer, data []Outcome, lead time.Duration, fit *persona.FitProfile) (*design, error) {
	model, cat := s.Model(), s.Catalog()
	var cols []column
	for p := range cat.Len() {
		for _, m := range model.Metrics {
			cols = append(cols, column{kind: colMean, persona: cat.At(p).ID, metric: m.Name})
		}
	}
	for p := range cat.Len() {
		cols = append(cols, column{kind: colHeard, persona: cat.At(p).ID})
	}
	for _, who := range departed {
		cols = append(cols, column{kind: colDeparted, persona: who})
	}
	for _, t := range hingeGrid {
		cols = append(cols, column{kind: colHinge, threshold: t})
	}
	for _, who := range joined {
		cols = append(cols, column{kind: colJoined, persona: who})
	}
	joinedCol := len(cols) - len(joined)
	if fit != nil {
		cols = append(cols, column{kind: colFit})
	}
	// The new decision makers are found by the scorer itself, so that the
	// feature is what the calibrated model's events will see; its results
	// give the veto holders' raw means for the hinge.
	arrivalModel := model
	arrivalModel.Events = nil
	for _, who := range joined {
		arrivalModel.Events = append(arrivalModel.Events, scoring.Event{Kind: scoring.EventJoinedUnheard, Persona: who, Within: scoring.Duration(joinWindow)})
	}
	probe, err := scoring.Compile(arrivalModel, cat)
	if err != nil {
		return nil, err
	}
	nM := len(model.Metrics)
	metric := make(map[string]int, nM)
	for i, m := range model.Metrics {
		metric[m.Name] = i
	}
	heardCol, departedCol, hingeCol := cat.Len()*nM, cat.Len()*nM+cat.Len(), cat.Len()*nM+cat.Len()+len(departed)
	d := &design{cols: cols, rows: make([][]float64, len(data)), heard: map[column]int{}, fit: fit}
	for i, o := range data {
		cut := o.At.Add(-lead)
		row := make([]float64, len(cols))
		for c := range heardCol {
			mean, _, _ := s.Prior(cols[c].persona, cols[c].metric)
			row[c] = (mean - 50) / 50
		}
		means, err := s.MetricMeans(o.Account, o.Signals, cut)
		if err != nil {
			return nil, err
		}
		for _, mm := range means {
			p, _ := cat.Index(mm.Persona)
			prior, k, _ := s.Prior(mm.Persona, mm.Metric)
			row[p*nM+metric[mm.Metric]] = ((mm.N*mm.Mean+k*prior)/(mm.N+k) - 50) / 50
			row[heardCol+p] = 1
			d.heard[cols[p*nM+metric[mm.Metric]]]++
		}
		for j, who := range departed {
			for _, c := range o.Account.Contacts {
				if c.Persona == who && c.LeftWithin(cut, departureWindow) {
					row[departedCol+j] = 1
					break
				}
			}
		}
		probed, err := probe.Score(o.Account, o.Signals, cut)
		if err != nil {
			return nil, err
		}
		for _, term := range probed.Terms {
			if term.Kind == scoring.TermKind(scoring.EventJoinedUnheard) {
				row[joinedCol+slices.Index(joined, term.Persona)] = 1
			}
		}
		for _, ps := range probed.Personas {
			if ps.Veto {
				for j, t := range hingeGrid {
					row[hingeCol+j] += math.Max(0, t-ps.Raw) / 50
				}
			}
		}
		if fit != nil {
			row[len(cols)-1] = fit.Score(&o.Account)
		}
		d.rows[i] = row
	}
	return d, nil
}

// subset returns the design's columns that keep accepts and that vary over
// the accounts in rows (a constant column carries nothing a fit could use).
func (d *design) subset(rows []int, keep func(column) bool) *design {
	var idx []int
	for c, col := range d.cols {
		if !keep(col) {
			continue
		}
		for _, i := range rows {
			if d.rows[i][c] != d.rows[rows[0]][c] {
				idx = append(idx, c)
				break
			}
		}
	}
	out := &design{rows: make([][]float64, len(d.rows)), heard: d.heard, fit: d.fit}
	for _, c := range idx {
		out.cols = append(out.cols, d.cols[c])
	}
	for i, row := range d.rows {
		kept := make([]float64, len(idx))
		for j, c := range idx {
			kept[j] = row[c]
		}
		out.rows[i] = kept
	}
	return out
}

// yardstick is the plain logistic regression's selection of features: what
// a data scientist would hand it (each persona's shrunk mean on each
// metric, whether it was heard, the departures, and the fit score if any).
func yardstick(c column) bool { return c.kind != colHinge }

// fitOn fits a logistic regression of y on d's rows in rows.
func (d *design) fitOn(rows []int, y []bool, penalty float64) (*Logit, error) {
	x, ys := make([][]float64, len(rows)), make([]bool, len(rows))
	for r, i := range rows {
		x[r], ys[r] = d.rows[i], y[i]
	}
	return FitLogit(x, ys, penalty)
}
