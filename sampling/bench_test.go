package sampling_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/villagecx/village/sampling"
)

// benchFrame is a frame of n units in 50 strata, 10 units an account, a
// tenth of them asked in the last 90 days.
func benchFrame(n int) []sampling.FrameUnit {
	rng := rand.New(rand.NewPCG(1, 1))
	frame := make([]sampling.FrameUnit, n)
	for i := range frame {
		frame[i] = sampling.FrameUnit{
			ID:      strconv.Itoa(i),
			Account: strconv.Itoa(i / 10),
			Stratum: "s" + strconv.Itoa(rng.IntN(50)),
			Size:    1 + rng.Float64()*99,
		}
		if rng.IntN(10) == 0 {
			frame[i].LastContacted = wave.Add(-time.Duration(rng.IntN(90)) * 24 * time.Hour)
		}
	}
	return frame
}

// BenchmarkSelect selects 1% of the frame by SRS within 50 strata after the
// fatigue rules (not asked in 30 days, at most 3 per account).
func BenchmarkSelect(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		frame := benchFrame(n)
		sizes := map[string]int{}
		for h := range 50 {
			sizes["s"+strconv.Itoa(h)] = n / 100 / 50
		}
		plan := sampling.Plan{Method: sampling.SRS, Sizes: sizes, At: wave,
			Fatigue: sampling.Fatigue{MinGap: 30 * 24 * time.Hour, MaxPerAccount: 3}}
		b.Run(fmt.Sprintf("frame=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			src := rand.NewPCG(2, 2)
			for b.Loop() {
				if _, err := sampling.Select(frame, plan, src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "units/s")
		})
	}
}

// BenchmarkWeight builds a stratified design over n units in 50 strata,
// rakes it on three margins (50, 4 and 2 cells), trims it and estimates a
// mean with its residual variance.
func BenchmarkWeight(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		rng := rand.New(rand.NewPCG(3, 3))
		units := make([]sampling.Unit, n)
		m1, m2, m3 := make([]string, n), make([]string, n), make([]string, n)
		y := make([]float64, n)
		t1, t2, t3 := map[string]float64{}, map[string]float64{}, map[string]float64{}
		for i := range units {
			h := rng.IntN(50)
			units[i] = sampling.Unit{Stratum: "s" + strconv.Itoa(h), Weight: 10 + float64(h)}
			m1[i], m2[i], m3[i] = units[i].Stratum, "seg"+strconv.Itoa(rng.IntN(4)), strconv.FormatBool(rng.IntN(3) == 0)
			y[i] = rng.Float64()
		}
		// Population totals from a different weighting, so raking has work to do.
		for i := range units {
			w := 20.0
			t1[m1[i]] += w
			t2[m2[i]] += w * (1 + 0.1*float64(len(m2[i])%2))
			t3[m3[i]] += w
		}
		scale := func(t map[string]float64, total float64) {
			var s float64
			for _, v := range t {
				s += v
			}
			for k := range t {
				t[k] *= total / s
			}
		}
		scale(t2, float64(n)*20)
		margins := []sampling.Margin{{Cells: m1, Totals: t1}, {Cells: m2, Totals: t2}, {Cells: m3, Totals: t3}}
		b.Run(fmt.Sprintf("units=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := sampling.NewDesign(units, nil)
				if err != nil {
					b.Fatal(err)
				}
				r, err := d.Rake(margins, nil)
				if err != nil {
					b.Fatal(err)
				}
				tr, err := r.Trim(0, 60)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tr.Mean(y); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "units/s")
		})
	}
}

// listeningBase is a base of 100,000 accounts of 20 contacts in nine
// personas, with values and costs as a scorer might give them.
func listeningBase() []sampling.Candidate {
	rng := rand.New(rand.NewPCG(8, 8))
	cands := make([]sampling.Candidate, 0, 2_000_000)
	for a := range 100_000 {
		acct := fmt.Sprintf("acct-%06d", a)
		for c := range 20 {
			p := c % 9
			cands = append(cands, sampling.Candidate{
				ID: fmt.Sprintf("%s-%02d", acct, c), Account: acct, Stratum: fmt.Sprint("p", p),
				Group: fmt.Sprintf("%s/p%d", acct, p), Value: rng.ExpFloat64(), Evidence: 2 + float64(rng.IntN(4)),
				Cost: float64(1 + 5*(p%3/2)),
			})
		}
	}
	return cands
}

// The target: a plan for 100,000 accounts and 2,000,000 contacts
// in at most 2 s.
func BenchmarkPlanListening(b *testing.B) {
	cands := listeningBase()
	opts := sampling.ListeningOptions{Budget: 200_000, Fatigue: sampling.Fatigue{MaxPerAccount: 2}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sampling.PlanListening(cands, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanListeningPoisson(b *testing.B) {
	cands := listeningBase()
	opts := sampling.ListeningOptions{Budget: 200_000, Fatigue: sampling.Fatigue{MaxPerAccount: 2}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sampling.PlanListeningPoisson(cands, opts, 0.01, rand.NewPCG(1, 2)); err != nil {
			b.Fatal(err)
		}
	}
}
