package calibrate_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/villagecx/village/scoring/calibrate"
)

// logit.csv and glm.json were written by testdata/glm_oracle.R: a seeded
// simulated data set and R's glm(y ~ x1 + x2 + x3 + x4, family = binomial)
// fitted to it. The fit here, without a penalty, must match to 1e-6.
func TestFitLogitAgainstRGlm(t *testing.T) {
	f, err := os.Open("testdata/logit.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var x [][]float64
	var y []bool
	for _, r := range recs[1:] {
		row := make([]float64, 4)
		for j := range row {
			if row[j], err = strconv.ParseFloat(strings.TrimSpace(r[j+1]), 64); err != nil {
				t.Fatal(err)
			}
		}
		x = append(x, row)
		y = append(y, strings.TrimSpace(r[0]) == "1")
	}
	data, err := os.ReadFile("testdata/glm.json")
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		Coef     []float64 `json:"coef"`
		SE       []float64 `json:"se"`
		Deviance []float64 `json:"deviance"`
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	fit, err := calibrate.FitLogit(x, y, 0)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-6*math.Abs(want) {
			t.Errorf("%s = %.10g, glm says %.10g", what, got, want)
		}
	}
	for j := range want.Coef {
		rel("coefficient "+strconv.Itoa(j), fit.Coef[j], want.Coef[j])
		rel("SE "+strconv.Itoa(j), fit.SE[j], want.SE[j])
	}
	rel("deviance", fit.Deviance, want.Deviance[0])

	// A ridge penalty shrinks every coefficient but the intercept.
	ridge, err := calibrate.FitLogit(x, y, 50)
	if err != nil {
		t.Fatal(err)
	}
	for j := 1; j < len(ridge.Coef); j++ {
		if !(math.Abs(ridge.Coef[j]) < math.Abs(fit.Coef[j])) {
			t.Errorf("coefficient %d: ridge %v not smaller than %v", j, ridge.Coef[j], fit.Coef[j])
		}
	}
}

func TestFitLogitBadInput(t *testing.T) {
	x := [][]float64{{0}, {1}, {2}, {3}}
	tests := []struct {
		name string
		x    [][]float64
		y    []bool
		l2   float64
		want error
	}{
		{"one class only", x, []bool{true, true, true, true}, 0, calibrate.ErrOneClass},
		{"fewer outcomes than parameters", [][]float64{{1, 2, 3}, {2, 3, 1}}, []bool{true, false}, 0, calibrate.ErrTooFew},
		{"no outcomes", nil, nil, 0, calibrate.ErrTooFew},
		{"perfectly separable data without a penalty", x, []bool{false, false, true, true}, 0, calibrate.ErrSeparable},
		{"a NaN feature", [][]float64{{0}, {math.NaN()}, {2}, {3}}, []bool{false, true, false, true}, 0, calibrate.ErrInvalidInput},
		{"ragged rows", [][]float64{{0}, {1, 2}, {2}, {3}}, []bool{false, true, false, true}, 0, calibrate.ErrInvalidInput},
		{"a negative penalty", x, []bool{false, true, false, true}, -1, calibrate.ErrInvalidInput},
		{"rows and outcomes of different lengths", x, []bool{false, true}, 0, calibrate.ErrInvalidInput},
		{"collinear features", [][]float64{{1, 2}, {2, 4}, {3, 6}, {4, 8}, {0, 0}}, []bool{false, true, false, true, true}, 0, calibrate.ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := calibrate.FitLogit(tc.x, tc.y, tc.l2); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// With a penalty, separable data gets finite coefficients.
	fit, err := calibrate.FitLogit(x, []bool{false, false, true, true}, 1)
	if err != nil || math.IsInf(fit.Coef[1], 0) || fit.Coef[1] <= 0 {
		t.Errorf("penalised fit of separable data: %+v, %v", fit, err)
	}
	if p := fit.Predict([]float64{3}); !(p > 0.5 && p < 1) {
		t.Errorf("Predict(3) = %v", p)
	}
}
