package calibrate_test

import (
	"slices"
	"testing"
	"time"

	"github.com/villagecx/village/internal/villagesim"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/calibrate"
)

// TestUnheardAndVetoTradeOffOnRenewals is the measurement behind
// DefaultModel's Unheard and veto settings: the AUC, on villagesim renewals,
// of the default model's score 90 days before renewal with personas not
// heard renormalised away or counted at the prior, and the veto on the
// shrunk score or on the evidence. It logs the table and holds the finding
// the default rests on: counting at the prior is not worse than
// renormalising. (The full table, 3,000 accounts and seeds 1-4, is in
// DefaultModel's doc comment.)
func TestUnheardAndVetoTradeOffOnRenewals(t *testing.T) {
	if testing.Short() {
		t.Skip("scores two simulated bases eight times")
	}
	for _, seed := range []uint64{1, 2} {
		data, cat := simulated(t, 2000, seed)
		y := make([]bool, len(data))
		for i := range data {
			y[i] = data[i].Renewed
		}
		auc := map[scoring.Unheard]map[scoring.VetoBasis]float64{}
		for _, unheard := range []scoring.Unheard{scoring.UnheardRenormalise, scoring.UnheardPrior} {
			auc[unheard] = map[scoring.VetoBasis]float64{}
			for _, veto := range []scoring.VetoBasis{scoring.VetoOnScore, scoring.VetoOnEvidence} {
				m := scoring.DefaultModel(cat)
				m.Unheard, m.VetoOn = unheard, veto
				s, err := scoring.Compile(m, cat)
				if err != nil {
					t.Fatal(err)
				}
				scores := make([]float64, len(data))
				for i, d := range data {
					r, err := s.Score(d.Account, d.Signals, d.At.Add(-90*24*time.Hour))
					if err != nil {
						t.Fatal(err)
					}
					scores[i] = r.Score
				}
				if auc[unheard][veto], err = calibrate.AUC(y, scores); err != nil {
					t.Fatal(err)
				}
				t.Logf("seed %d, %d accounts, unheard %-11s veto on %-8s AUC %.4f", seed, len(data), unheard, veto, auc[unheard][veto])
			}
		}
		for _, veto := range []scoring.VetoBasis{scoring.VetoOnScore, scoring.VetoOnEvidence} {
			if d := auc[scoring.UnheardPrior][veto] - auc[scoring.UnheardRenormalise][veto]; d < -0.006 {
				t.Errorf("seed %d, veto on %s: counting the unheard at the prior loses %.4f AUC", seed, veto, -d)
			}
		}
	}
}

// Committees on villagesim renewals that follow them (a procurement veto
// where the MSA needs its signature kills renewals as finance's does; a
// line-of-business executive weighing more or less; end users out of the
// decision), scored at the cut-off with each account's committee, with its
// veto seats only, its weight seats only, and ignoring it. Measured (AUC,
// seeds 1 and 2): ignored 0.7830 and 0.7809, veto seats only 0.7832 and
// 0.7812, weight seats only 0.7824 and 0.7787, all 0.7827 and 0.7789. The
// veto seats move AUC within noise, because procurement, the persona they
// usually seat, answers about one survey in twenty; they must not cost
// more than 0.002. The weight seats are measured, not asserted: a seat
// that raises a persona nobody heard counts more of its prior
// (UnheardPrior) and dilutes the evidence of the personas heard, although
// their views are correlated with the unheard one's, which costs up to
// 0.002 AUC here. Pooling the unheard toward the account's heard personas
// is the fix this points to (not done).
func TestCommitteesOnRenewals(t *testing.T) {
	if testing.Short() {
		t.Skip("scores two simulated bases four times")
	}
	keep := map[string]func(persona.Seat) bool{
		"ignored":      func(persona.Seat) bool { return false },
		"veto seats":   func(s persona.Seat) bool { return s.Kind != persona.SeatWeight },
		"weight seats": func(s persona.Seat) bool { return s.Kind == persona.SeatWeight || s.Kind == persona.SeatRole },
		"all seats":    func(persona.Seat) bool { return true },
	}
	for _, seed := range []uint64{1, 2} {
		data, cat := simulatedWith(t, villagesim.Config{Seed: seed, Accounts: 2000, Committees: true})
		y := make([]bool, len(data))
		for i := range data {
			y[i] = data[i].Renewed
		}
		s, err := scoring.Compile(scoring.DefaultModel(cat), cat)
		if err != nil {
			t.Fatal(err)
		}
		auc := map[string]float64{}
		for _, name := range []string{"ignored", "veto seats", "weight seats", "all seats"} {
			scores := make([]float64, len(data))
			for i, d := range data {
				acct := d.Account
				acct.Committee = slices.DeleteFunc(slices.Clone(acct.Committee), func(s persona.Seat) bool { return !keep[name](s) })
				r, err := s.Score(acct, d.Signals, d.At.Add(-90*24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				scores[i] = r.Score
			}
			if auc[name], err = calibrate.AUC(y, scores); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("seed %d, %d accounts: AUC with committees ignored %.4f, veto seats only %.4f, weight seats only %.4f, all %.4f",
			seed, len(data), auc["ignored"], auc["veto seats"], auc["weight seats"], auc["all seats"])
		if auc["veto seats"] < auc["ignored"]-0.002 {
			t.Errorf("seed %d: veto seats lose %.4f AUC", seed, auc["ignored"]-auc["veto seats"])
		}
	}
}

// Two-level evidence (Model.PersonSpread) on villagesim renewals, scored
// 90 days before renewal with the default model and PersonSpread = f *
// Spread. Measured (AUC; vetoes applied of 2,000 accounts), seed 1 / seed 2:
//
//	f = 0 (one level, the default) 0.7802 (21) / 0.7812 (14)
//	f = 0.5                        0.7496 (196) / 0.7642 (182)
//	f = 0.8                        0.7599 (138) / 0.7690 (142)
//	f = 0.9                        0.7674 (99) / 0.7731 (98)
//	f = 1                          0.7803 (29) / 0.7808 (25)
//
// Below 1, one answer from a veto holder who is the persona's only member
// vetoes, and AUC falls: villagesim draws renewals from a persona's latent
// sentiment, of which its members' levels are a sample (each person leans
// by as much as each answer varies), so knowing every member of the
// account says nothing more about the renewal there. That is why the
// default stays at 0; f = 1 (repeated answers count, people are not told
// apart) must cost nothing.
func TestPersonSpreadOnRenewals(t *testing.T) {
	if testing.Short() {
		t.Skip("scores two simulated bases four times")
	}
	for _, seed := range []uint64{1, 2} {
		data, cat := simulated(t, 2000, seed)
		y := make([]bool, len(data))
		for i := range data {
			y[i] = data[i].Renewed
		}
		auc := map[float64]float64{}
		for _, f := range []float64{0, 0.5, 0.9, 1} {
			m := scoring.DefaultModel(cat)
			m.PersonSpread = f * m.Spread
			s, err := scoring.Compile(m, cat)
			if err != nil {
				t.Fatal(err)
			}
			scores := make([]float64, len(data))
			vetoes := 0
			for i, d := range data {
				r, err := s.Score(d.Account, d.Signals, d.At.Add(-90*24*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				scores[i] = r.Score
				if r.Veto.Applied {
					vetoes++
				}
			}
			if auc[f], err = calibrate.AUC(y, scores); err != nil {
				t.Fatal(err)
			}
			t.Logf("seed %d, person spread %.1f of spread: AUC %.4f, %d vetoes applied", seed, f, auc[f], vetoes)
		}
		if d := auc[1] - auc[0]; d < -0.003 {
			t.Errorf("seed %d: person spread = spread loses %.4f AUC to the one-level model", seed, -d)
		}
	}
}
