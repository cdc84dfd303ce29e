package calibrate

import (
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// departureWindow and departed are the relationship flags of the baseline:
// a contact of one of these personas who left within the window before the
// cut-off.
const departureWindow = 120 * 24 * time.Hour

var departed = []persona.ID{persona.Champion, persona.LineOfBusiness, persona.FinanceExecutive}

// baselineFeatures builds, for every account as of its cut-off, the
// features a data scientist would hand a plain logistic regression (the
// yardstick the calibrated model has to meet): each persona's mean on each
// metric, shrunk toward the model's prior, as (mean - 50)/50, the prior
// where the persona was not heard on it; an indicator per persona of being
// heard at all; and, for the champion and the line-of-business and finance
// executives, whether one of them left in the 120 days before the cut-off.
// Columns that are the same for every account are left out.
func baselineFeatures(s *scoring.Scorer, data []Outcome, lead time.Duration) ([][]float64, error) {
	model, cat := s.Model(), s.Catalog()
	nM := len(model.Metrics)
	metric := make(map[string]int, nM)
	for i, m := range model.Metrics {
		metric[m.Name] = i
	}
	width := cat.Len()*nM + cat.Len() + len(departed)
	rows := make([][]float64, len(data))
	for i, d := range data {
		cut := d.At.Add(-lead)
		row := make([]float64, width)
		for p := range cat.Len() {
			for m, mt := range model.Metrics {
				mean, _, _ := s.Prior(cat.At(p).ID, mt.Name)
				row[p*nM+m] = (mean - 50) / 50
			}
		}
		means, err := s.MetricMeans(d.Account, d.Signals, cut)
		if err != nil {
			return nil, err
		}
		for _, mm := range means {
			p, _ := cat.Index(mm.Persona)
			prior, k, _ := s.Prior(mm.Persona, mm.Metric)
			row[p*nM+metric[mm.Metric]] = ((mm.N*mm.Mean+k*prior)/(mm.N+k) - 50) / 50
			row[cat.Len()*nM+p] = 1
		}
		for j, who := range departed {
			for _, c := range d.Account.Contacts {
				if c.Persona == who && !c.Left.IsZero() && !c.Left.After(cut) && cut.Sub(c.Left) <= departureWindow {
					row[cat.Len()*nM+cat.Len()+j] = 1
					break
				}
			}
		}
		rows[i] = row
	}
	// Keep the columns that vary.
	var keep []int
	for c := range width {
		for i := range rows {
			if rows[i][c] != rows[0][c] {
				keep = append(keep, c)
				break
			}
		}
	}
	for i, row := range rows {
		kept := make([]float64, len(keep))
		for j, c := range keep {
			kept[j] = row[c]
		}
		rows[i] = kept
	}
	return rows, nil
}
