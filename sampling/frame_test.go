package sampling_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/sampling"
)

var wave = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func smallFrame() []sampling.FrameUnit {
	var f []sampling.FrameUnit
	for i := range 12 {
		f = append(f, sampling.FrameUnit{ID: fmt.Sprintf("u%02d", i), Account: fmt.Sprintf("a%d", i/4), Stratum: "users", Size: float64(1 + i)})
	}
	for i := range 4 {
		f = append(f, sampling.FrameUnit{ID: fmt.Sprintf("x%d", i), Account: fmt.Sprintf("a%d", i), Stratum: "execs", Size: 10})
	}
	return f
}

// Each method's inclusion probabilities are checked against how often each
// unit is actually drawn over many seeded replicates: within 4.5 standard
// errors of a binomial proportion (the seeds are fixed, so this cannot flake).
func TestInclusionProbabilitiesMatchFrequencies(t *testing.T) {
	const reps = 20000
	for _, method := range []sampling.SelectMethod{sampling.SRS, sampling.Systematic, sampling.PPS, sampling.Poisson} {
		t.Run(fmt.Sprint(method), func(t *testing.T) {
			frame := smallFrame()
			plan := sampling.Plan{Method: method, Sizes: map[string]int{"users": 5, "execs": 2}}
			count := map[string]int{}
			prob := map[string]float64{}
			src := rand.NewPCG(1, uint64(method))
			for range reps {
				s, err := sampling.Select(frame, plan, src)
				if err != nil {
					t.Fatal(err)
				}
				n := map[string]int{}
				for _, u := range s.Units {
					count[u.ID]++
					n[u.Stratum]++
					if p, ok := prob[u.ID]; ok && p != u.Prob {
						t.Fatalf("unit %s has probability %v and %v", u.ID, p, u.Prob)
					}
					prob[u.ID] = u.Prob
				}
				if method != sampling.Poisson && (n["users"] != 5 || n["execs"] != 2) {
					t.Fatalf("sample sizes %v, want users 5, execs 2", n)
				}
			}
			for id, p := range prob {
				freq := float64(count[id]) / reps
				if se := math.Sqrt(p * (1 - p) / reps); math.Abs(freq-p) > 4.5*se+1e-12 {
					t.Errorf("unit %s: drawn %.4f of the time, probability %.4f", id, freq, p)
				}
			}
		})
	}
}

// Under PPS with no certainty unit, the Horvitz-Thompson estimate of the
// total size is exact: sum(x_i/π_i) = sum(x_i * X/(n*x_i)) = X.
func TestPPSEstimatesTheTotalSizeExactly(t *testing.T) {
	frame := smallFrame()[:12] // sizes 1..12, total 78; n = 3 keeps every π below 1
	s, err := sampling.Select(frame, sampling.Plan{Method: sampling.PPS, Sizes: map[string]int{"users": 3}}, rand.NewPCG(7, 7))
	if err != nil {
		t.Fatal(err)
	}
	var ht float64
	for _, u := range s.Units {
		ht += u.Size / u.Prob
	}
	if len(s.Units) != 3 || math.Abs(ht-78) > 1e-9 {
		t.Errorf("%d units, HT total %v, want 3 units and 78", len(s.Units), ht)
	}
}

func TestPPSTakesLargeUnitsWithCertainty(t *testing.T) {
	frame := []sampling.FrameUnit{{ID: "whale", Size: 1000}, {ID: "a", Size: 1}, {ID: "b", Size: 1}, {ID: "c", Size: 2}}
	s, err := sampling.Select(frame, sampling.Plan{Method: sampling.PPS, Sizes: map[string]int{"": 2}}, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	// The whale would have π = 2*1000/1004 > 1: taken for sure, and the other
	// draw shared by size among a, b, c: π = 1/4, 1/4, 2/4.
	want := map[string]float64{"whale": 1, "a": 0.25, "b": 0.25, "c": 0.5}
	for _, u := range s.Units {
		if math.Abs(u.Prob-want[u.ID]) > 1e-12 {
			t.Errorf("%s: π = %v, want %v", u.ID, u.Prob, want[u.ID])
		}
	}
	if len(s.Units) != 2 || s.Units[0].ID != "whale" {
		t.Errorf("units = %+v", s.Units)
	}
}

func TestFatigueRules(t *testing.T) {
	frame := smallFrame()
	frame[0].LastContacted = wave.Add(-10 * 24 * time.Hour) // asked ten days ago
	frame[1].LastContacted = wave.Add(-60 * 24 * time.Hour) // two months ago: fine
	plan := sampling.Plan{
		Method: sampling.SRS, Sizes: map[string]int{"users": 4, "execs": 1}, At: wave,
		Fatigue: sampling.Fatigue{MinGap: 30 * 24 * time.Hour, MaxPerAccount: 2},
	}
	s, err := sampling.Select(frame, plan, rand.NewPCG(3, 4))
	if err != nil {
		t.Fatal(err)
	}
	// Accounts a0..a2 hold 4 users each, and a0..a3 one exec each. After u00
	// is excluded, a0 has 4 eligible (u01-u03, x0), a1 and a2 have 5, a3 has 1:
	// the cap keeps 2 of 4, 2 of 5, 2 of 5 and 1 of 1.
	want := sampling.FatigueReport{
		Frame:             map[string]int{"users": 12, "execs": 4},
		RecentlyContacted: map[string]int{"users": 1},
	}
	got := s.Fatigue
	if d := cmp.Diff(want.Frame, got.Frame); d != "" {
		t.Errorf("frame counts (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want.RecentlyContacted, got.RecentlyContacted); d != "" {
		t.Errorf("recently contacted (-want +got):\n%s", d)
	}
	if e := got.Eligible["users"] + got.Eligible["execs"]; e != 7 {
		t.Errorf("eligible = %v, want 7 in all (2+2+2+1)", got.Eligible)
	}
	if over := got.OverAccountCap["users"] + got.OverAccountCap["execs"]; over != 8 {
		t.Errorf("over the account cap = %v, want 8 in all (2+3+3)", got.OverAccountCap)
	}
	perAccount := map[string]int{}
	for _, u := range s.Units {
		perAccount[u.Account]++
		if u.ID == "u00" {
			t.Error("a unit asked ten days ago was selected")
		}
		// π = P(kept by the cap) * P(selected among the eligible of its stratum).
		capKeep := map[string]float64{"a0": 2.0 / 4, "a1": 2.0 / 5, "a2": 2.0 / 5, "a3": 1}[u.Account]
		within := float64(plan.Sizes[u.Stratum]) / float64(got.Eligible[u.Stratum])
		if math.Abs(u.Prob-capKeep*within) > 1e-12 {
			t.Errorf("%s: π = %v, want %v * %v", u.ID, u.Prob, capKeep, within)
		}
	}
	for a, n := range perAccount {
		if n > 2 {
			t.Errorf("account %s asked %d times, cap 2", a, n)
		}
	}
}

func TestSelectIsDeterministic(t *testing.T) {
	plan := sampling.Plan{Method: sampling.SRS, Sizes: map[string]int{"users": 5, "execs": 2}}
	a, _ := sampling.Select(smallFrame(), plan, rand.NewPCG(9, 9))
	b, _ := sampling.Select(smallFrame(), plan, rand.NewPCG(9, 9))
	if d := cmp.Diff(a, b); d != "" {
		t.Errorf("same seed, different samples:\n%s", d)
	}
}

func TestSelectErrors(t *testing.T) {
	src := rand.NewPCG(1, 1)
	dup := append(smallFrame(), sampling.FrameUnit{ID: "u00", Stratum: "users"})
	badSize := smallFrame()
	badSize[3].Size = math.NaN()
	zeroSize := smallFrame()
	zeroSize[2].Size = 0
	tests := []struct {
		name  string
		frame []sampling.FrameUnit
		plan  sampling.Plan
		want  error
	}{
		{"an empty frame", nil, sampling.Plan{}, sampling.ErrEmpty},
		{"a duplicate unit", dup, sampling.Plan{Sizes: map[string]int{"users": 1}}, sampling.ErrInvalidValue},
		{"n larger than the stratum", smallFrame(), sampling.Plan{Sizes: map[string]int{"execs": 5}}, sampling.ErrInfeasible},
		{"a stratum with no units", smallFrame(), sampling.Plan{Sizes: map[string]int{"cfo": 1}}, sampling.ErrInfeasible},
		{"a negative size", smallFrame(), sampling.Plan{Sizes: map[string]int{"users": -1}}, sampling.ErrInvalidValue},
		{"a NaN measure of size", badSize, sampling.Plan{Method: sampling.PPS, Sizes: map[string]int{"users": 1}}, sampling.ErrInvalidValue},
		{"a zero measure of size", zeroSize, sampling.Plan{Method: sampling.Poisson, Sizes: map[string]int{"users": 1}}, sampling.ErrInvalidValue},
		{"an unknown method", smallFrame(), sampling.Plan{Method: 42, Sizes: map[string]int{"users": 1}}, sampling.ErrInvalidValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := sampling.Select(tc.frame, tc.plan, src); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFrameFromAccounts(t *testing.T) {
	accounts := []persona.Account{{ID: "acme", ARR: 5e4, Contacts: []persona.Contact{
		{ID: "ann", Persona: persona.CIO},
		{ID: "bob", Persona: persona.EndUser, Left: wave.Add(-time.Hour)},
		{ID: "cy", Persona: persona.EndUser},
	}}}
	last := map[string]time.Time{"cy": wave.Add(-time.Hour)}
	got := sampling.FrameFromAccounts(accounts, wave, nil,
		func(a *persona.Account, _ *persona.Contact) float64 { return a.ARR }, last)
	want := []sampling.FrameUnit{
		{ID: "ann", Account: "acme", Stratum: "cio", Size: 5e4},
		{ID: "cy", Account: "acme", Stratum: "end-user", Size: 5e4, LastContacted: wave.Add(-time.Hour)},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("frame (-want +got):\n%s", d)
	}
}

// A stratified SRS drawn here and turned into a Design estimates a known
// population mean without bias: averaged over many samples, the estimate is
// the population mean. (The standard errors are checked against R elsewhere.)
func TestSampleDesignEstimates(t *testing.T) {
	frame := smallFrame()
	value := map[string]float64{}
	var truth float64
	for i, u := range frame {
		value[u.ID] = float64(i * i % 7)
		truth += value[u.ID]
	}
	truth /= float64(len(frame))
	plan := sampling.Plan{Sizes: map[string]int{"users": 4, "execs": 2}}
	src := rand.NewPCG(5, 5)
	var sum float64
	const reps = 4000
	for range reps {
		s, err := sampling.Select(frame, plan, src)
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.Design(sampling.LonelyFail)
		if err != nil {
			t.Fatal(err)
		}
		y := make([]float64, len(s.Units))
		for i, u := range s.Units {
			y[i] = value[u.ID]
		}
		e, err := d.Mean(y)
		if err != nil {
			t.Fatal(err)
		}
		sum += e.Value
	}
	// The Hajek mean with these fixed per-stratum weights is the unbiased
	// stratified mean (sum of N_h*ybar_h over N).
	if got := sum / reps; math.Abs(got-truth) > 0.05 {
		t.Errorf("mean of estimates %v, population mean %v", got, truth)
	}
}

func TestStrataFromFrame(t *testing.T) {
	frame := []sampling.FrameUnit{
		{ID: "a", Stratum: "exec", Cost: 6}, {ID: "b", Stratum: "exec", Cost: 4},
		{ID: "c", Stratum: "user"}, {ID: "d", Stratum: "user", Cost: 1}, {ID: "e", Stratum: "user", Cost: math.NaN()},
		{ID: "f", Stratum: "bot"},
	}
	want := []sampling.Stratum{{Key: "bot", Size: 1}, {Key: "exec", Size: 2, Cost: 5}, {Key: "user", Size: 3, Cost: 1}}
	if d := cmp.Diff(want, sampling.Strata(frame)); d != "" {
		t.Errorf("strata (-want +got):\n%s", d)
	}
}

// capFrame is 40 accounts of 4 contacts each in one stratum, the survey
// variable an account effect of SD accountSD plus a personal one of SD 1.
func capFrame(rng *rand.Rand, accountSD float64) ([]sampling.FrameUnit, map[string]float64) {
	var frame []sampling.FrameUnit
	y := map[string]float64{}
	for a := range 40 {
		effect := accountSD * rng.NormFloat64()
		for c := range 4 {
			id := fmt.Sprintf("a%d-c%d", a, c)
			frame = append(frame, sampling.FrameUnit{ID: id, Account: fmt.Sprintf("a%d", a), Stratum: "all"})
			y[id] = 10 + effect + rng.NormFloat64()
		}
	}
	return frame, y
}

// With one contact kept per account and every kept contact sampled (the
// review's case: 160 contacts, 40 kept, 40 sampled), the total's standard
// error used to be 0: the fpc was taken against the 40 eligible and the
// random one-per-account draw was left out. It is now measured against the
// variance of the estimated total over repeated waves.
func TestFatigueCapVariance(t *testing.T) {
	for _, tc := range []struct {
		accountSD float64
		lo, hi    float64 // bounds on mean estimated variance / observed variance
	}{
		{0, 0.9, 1.1},
		{1, 1.3, 2.0},
	} {
		rng := rand.New(rand.NewPCG(18, 6))
		frame, y := capFrame(rng, tc.accountSD)
		plan := sampling.Plan{Method: sampling.SRS, Sizes: map[string]int{"all": 40}, Fatigue: sampling.Fatigue{MaxPerAccount: 1}}
		const waves = 3000
		var sum, sum2, estVar float64
		for w := range waves {
			s, err := sampling.Select(frame, plan, rand.NewPCG(7, uint64(w)))
			if err != nil {
				t.Fatal(err)
			}
			d, err := s.Design(sampling.LonelyFail)
			if err != nil {
				t.Fatal(err)
			}
			ys := make([]float64, len(s.Units))
			for i, u := range s.Units {
				ys[i] = y[u.ID]
			}
			e, err := d.Total(ys)
			if err != nil {
				t.Fatal(err)
			}
			if w == 0 && !(e.SE > 0) {
				t.Fatalf("SE = %v with every kept contact sampled", e.SE)
			}
			sum += e.Value
			sum2 += e.Value * e.Value
			estVar += e.SE * e.SE
		}
		mean := sum / waves
		observed := sum2/waves - mean*mean
		ratio := estVar / waves / observed
		t.Logf("account SD %v: estimated variance / observed = %.3f", tc.accountSD, ratio)
		if ratio < tc.lo || ratio > tc.hi {
			t.Errorf("account SD %v: estimated variance / observed = %.3f, want %v..%v", tc.accountSD, ratio, tc.lo, tc.hi)
		}
	}
}
