package sampling_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/villagecx/village/sampling"
)

// FuzzEstimates builds designs and allocations from arbitrary bytes: nothing
// may panic, and every estimate returned without an error is finite (its
// design effect finite or NaN, as Estimate.DEff documents).
func FuzzEstimates(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, 3, uint8(1))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 240, 127, 1, 1, 1, 1, 1, 1, 240, 63}, 1, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, n int, method uint8) {
		var units []sampling.Unit
		var y []float64
		var cells []string
		for i := 0; i+9 <= len(data) && len(units) < 64; i += 9 {
			x := math.Float64frombits(binary.LittleEndian.Uint64(data[i:]))
			units = append(units, sampling.Unit{Stratum: string('a' + rune(data[i+8]%3)), Cluster: string('p' + rune(data[i+8]%5)), Weight: math.Abs(x)})
			y = append(y, x)
			cells = append(cells, string('x'+rune(data[i+8]%2)))
		}
		if d, err := sampling.NewDesign(units, &sampling.DesignOptions{Lonely: sampling.LonelyCertainty}); err == nil {
			finite := func(e sampling.Estimate, err error) {
				if err == nil && (math.IsNaN(e.Value) || math.IsNaN(e.SE) || math.IsInf(e.Value, 0) || math.IsInf(e.SE, 0) || math.IsInf(e.DEff, 0)) {
					t.Fatalf("non-finite estimate %+v", e)
				}
			}
			finite(d.Mean(y))
			finite(d.Total(y))
			finite(d.Ratio(y, y))
			if p, err := d.PostStratify(cells, map[string]float64{"x": 10, "y": 20}); err == nil {
				finite(p.Mean(y))
			}
			if r, err := d.Rake([]sampling.Margin{{Cells: cells, Totals: map[string]float64{"x": 5, "y": 5}}}, nil); err == nil {
				finite(r.Mean(y))
			}
			_, _ = d.Trim(0, 1e6)
		}
		var strata []sampling.Stratum
		for i := 0; i+4 <= len(data) && len(strata) < 8; i += 4 {
			strata = append(strata, sampling.Stratum{Key: string('a' + rune(i)), Size: int(data[i]), SD: float64(data[i+1]), Cost: float64(data[i+2]), Min: int(data[i+3] % 4)})
		}
		if alloc, err := sampling.Allocate(strata, n, sampling.Method(method%4)); err == nil {
			sum := 0
			for _, a := range alloc {
				sum += a.N
			}
			if sum != n {
				t.Fatalf("allocation adds up to %d, want %d", sum, n)
			}
		}
	})
}
