package calibrate_test

import (
	"fmt"

	"github.com/villagecx/village/scoring/calibrate"
)

func ExampleAUC() {
	renewed := []bool{false, false, true, true}
	score := []float64{0.1, 0.4, 0.35, 0.8}
	auc, _ := calibrate.AUC(renewed, score)
	fmt.Println("AUC", auc) // 3 of the 4 renewed/churned pairs are ranked right
	// Output: AUC 0.75
}

func ExampleFitLogit() {
	// Renewal against a health score: low scores churn, high ones renew, with overlap.
	x := [][]float64{{-1}, {-0.8}, {-0.5}, {-0.2}, {0}, {0.1}, {0.3}, {0.5}, {0.8}, {1}}
	y := []bool{false, false, true, false, false, true, true, false, true, true}
	fit, err := calibrate.FitLogit(x, y, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("slope %.2f (SE %.2f); P(renew | 0.9) = %.2f\n", fit.Coef[1], fit.SE[1], fit.Predict([]float64{0.9}))
	// R's glm(y ~ x, family = binomial) on the same ten points prints the same.

	// Output: slope 2.02 (SE 1.40); P(renew | 0.9) = 0.85
}
