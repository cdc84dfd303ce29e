package scoring

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
)

// compareRecs is the canonical order written as one comparison, the oracle
// of the sorts: by unit, oldest first, then by time (ages saturate about
// 292 years out; times do not), value and every other field of the signal.
func compareRecs(a, b *rec) int {
	if a.unit != b.unit {
		return cmp.Compare(a.unit, b.unit)
	}
	if a.age != b.age {
		return cmp.Compare(b.age, a.age) // oldest first
	}
	return compareByTime(a.sig, b.sig)
}

// recSorter gives the order of compareRecs, the canonical order, on
// records with many ties of unit and of age (which the tie-breakers
// settle), by counting and by sorting codes, and sort chooses between them.
func TestRecSorterIsCompareRecsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rs recSorter
	for trial := range 300 {
		n := rng.IntN(120)
		nRanks, nMetrics, nPersonas := 1+rng.IntN(20), 1+rng.IntN(5), 1+rng.IntN(12)
		sigs := make([]Signal, n)
		recs := make([]rec, n)
		for i := range n {
			at := t0.Add(-time.Duration(rng.IntN(4)) * 24 * time.Hour)
			sigs[i] = Signal{Contact: []string{"a", "b"}[rng.IntN(2)], Metric: "m", Value: float64(rng.IntN(3)), At: at, Source: []string{"", "x"}[rng.IntN(2)]}
			recs[i] = rec{sig: &sigs[i], persona: int32(rng.IntN(nPersonas)), rank: int32(rng.IntN(nRanks) - 1), metric: int32(rng.IntN(nMetrics)), age: int64(t0.Sub(at))}
			recs[i].unit = unitOf(&recs[i])
		}
		want := slices.Clone(recs)
		slices.SortFunc(want, func(a, b rec) int { return compareRecs(&a, &b) })
		for name, sort := range map[string]func([]rec){
			"counting": func(r []rec) { rs.byCounting(r, nRanks*nMetrics, nMetrics, nPersonas); sortRuns(r) },
			"codes":    func(r []rec) { rs.byCodes(r, nRanks, nMetrics); sortRuns(r) },
			"sort":     func(r []rec) { rs.sort(r, nRanks, nMetrics, nPersonas) },
		} {
			got := slices.Clone(recs)
			sort(got)
			for i := range got {
				if compareRecs(&got[i], &want[i]) != 0 {
					t.Fatalf("trial %d (n %d), %s: position %d differs from the canonical order", trial, n, name, i)
				}
			}
		}
	}
}

// An instant's age of a time not after it is time.Time.Sub for times
// without monotonic readings, at the edges of Duration's range as well; a
// time after it has no age and is said to be in the future.
func TestInstantAgeIsSub(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 123, time.UTC)
	now := instantOf(at)
	for _, u := range []time.Time{
		at, at.Add(-time.Nanosecond), at.Add(-90 * 24 * time.Hour), at.Add(-284 * 365 * 24 * time.Hour),
		at.AddDate(-300, 0, 0), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), at.In(time.FixedZone("y", -7200)),
		at.Add(-time.Hour).In(time.FixedZone("x", 3600)),
	} {
		if age, future := now.ageOf(&u, wallOf(u)); future || age != at.Sub(u) {
			t.Errorf("age of %v at %v = %v (future %v), Sub = %v", u, at, age, future, at.Sub(u))
		}
		if age, ok := now.wallAge(wallOf(u)); ok && age != at.Sub(u) {
			t.Errorf("wall age of %v at %v = %v, Sub = %v", u, at, age, at.Sub(u))
		}
	}
	for _, u := range []time.Time{at.Add(time.Nanosecond), at.AddDate(300, 0, 0),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 3600))} {
		if _, future := now.ageOf(&u, wallOf(u)); !future {
			t.Errorf("%v is not in the future of %v", u, at)
		}
		if age, ok := now.wallAge(wallOf(u)); ok {
			t.Errorf("%v, in the future of %v, has a wall age %v", u, at, age)
		}
	}
	// With monotonic readings on both, the wall clock decides, not the
	// monotonic clock: the age does not depend on where the times came from.
	wall := time.Now()
	later := instantOf(wall.Add(time.Hour))
	if age, _ := later.ageOf(&wall, wallOf(wall)); age != later.t.Round(0).Sub(wall.Round(0)) {
		t.Errorf("with monotonic readings: %v", age)
	}
	if _, ok := later.wallAge(wallOf(wall)); ok {
		t.Error("wallAge answers for a scoring time with a monotonic reading")
	}
}

// An instant says a time is after it exactly when time.Time.After does,
// for times with monotonic clock readings on both, on one and on neither.
func TestInstantAfterIsTimeAfter(t *testing.T) {
	now := time.Now()
	wall := now.Round(0)
	for _, at := range []time.Time{now, wall, now.Add(time.Nanosecond), wall.Add(-time.Nanosecond)} {
		for _, u := range []time.Time{now, wall, now.Add(time.Nanosecond), now.Add(-time.Nanosecond), wall.Add(time.Nanosecond),
			now.AddDate(1, 0, 0), wall.AddDate(-300, 0, 0)} {
			inst := instantOf(at)
			if _, future := inst.ageOf(&u, wallOf(u)); future != u.After(at) {
				t.Errorf("%v in the future of %v: %v, After says %v", u, at, future, !future)
			}
		}
	}
}

// clamp100 is math.Min(math.Max(x, 0), 100) to the bit, for the values
// where the two could differ: NaN, zeros of both signs, infinities and the
// bounds (a NaN stays a NaN, whatever its payload).
func TestClamp100IsMathMinMax(t *testing.T) {
	for _, x := range []float64{math.NaN(), 0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), -1e-300, 1e-300,
		100, math.Nextafter(100, 200), 99.5, -5, 250} {
		want := math.Min(math.Max(x, 0), 100)
		got := clamp100(x)
		if math.IsNaN(want) && math.IsNaN(got) {
			continue
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("clamp100(%v) = %v (bits %x), math gives %v (bits %x)", x, got, math.Float64bits(got), want, math.Float64bits(want))
		}
	}
}

// An instant's activeAt is persona.Contact.ActiveAt: at the edges of a
// tenure, with zero (unbounded) ends, in other locations, and with
// monotonic clock readings on either side or both.
func TestActiveAtIsContactActiveAt(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mono := time.Now()
	elsewhere := time.FixedZone("UTC+1", 3600)
	pool := []time.Time{{}}
	for _, d := range []time.Duration{-time.Hour, -time.Nanosecond, 0, time.Nanosecond, time.Hour} {
		pool = append(pool, base.Add(d), base.In(elsewhere).Add(d), mono.Add(d), mono.Add(d).Round(0))
	}
	for _, at := range pool {
		now := instantOf(at)
		for _, joined := range pool {
			for _, left := range pool {
				c := persona.Contact{ID: "c", Joined: joined, Left: left}
				if got, want := now.activeAt(&c), c.ActiveAt(at); got != want {
					t.Fatalf("at %v, joined %v, left %v: activeAt %v, ActiveAt %v", at, joined, left, got, want)
				}
			}
		}
	}
}
