package calibrate

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Logit is a fitted logistic regression: P(y) = 1/(1 + exp(-(b0 + b·x))).
type Logit struct {
	// Coef holds the intercept first, then one coefficient per feature.
	Coef []float64
	// SE holds the standard errors of Coef, from the inverse of the
	// (penalised) Hessian of the negative log-likelihood at the optimum:
	// with L2 = 0, the same as R's glm(family = binomial).
	SE []float64
	// Deviance is -2 times the log-likelihood (without the penalty).
	Deviance float64
}

// Predict returns the fitted probability for the features x.
func (l *Logit) Predict(x []float64) float64 {
	eta := l.Coef[0]
	for j, v := range x {
		eta += l.Coef[j+1] * v
	}
	return sigmoid(eta)
}

func sigmoid(eta float64) float64 {
	if eta >= 0 {
		return 1 / (1 + math.Exp(-eta))
	}
	e := math.Exp(eta)
	return e / (1 + e)
}

// log1pExp returns log(1 + exp(x)) without overflow.
func log1pExp(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// FitLogit fits a logistic regression of y on the rows of x by maximum
// likelihood with a ridge penalty l2/2 * sum(b_j^2) on the coefficients (not
// the intercept), minimised by Newton's method (gonum/optimize) with the
// exact gradient and Hessian.
//
// Errors: rows of unequal length or with NaN/Inf (ErrInvalidInput), only one
// class in y (ErrOneClass), fewer observations than parameters (ErrTooFew),
// and, without a penalty, data that a hyperplane separates perfectly, whose
// maximum-likelihood coefficients are infinite (ErrSeparable): use l2 > 0.
func FitLogit(x [][]float64, y []bool, l2 float64) (*Logit, error) {
	n := len(y)
	if len(x) != n {
		return nil, fmt.Errorf("calibrate: %d rows of features for %d outcomes: %w", len(x), n, ErrInvalidInput)
	}
	if !(l2 >= 0) || math.IsInf(l2, 1) {
		return nil, fmt.Errorf("calibrate: L2 penalty %v: %w", l2, ErrInvalidInput)
	}
	if n == 0 {
		return nil, fmt.Errorf("calibrate: no outcomes: %w", ErrTooFew)
	}
	p := len(x[0]) + 1
	pos := 0
	for i, row := range x {
		if len(row) != p-1 {
			return nil, fmt.Errorf("calibrate: row %d has %d features, row 0 has %d: %w", i, len(row), p-1, ErrInvalidInput)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("calibrate: feature %d of row %d is %v: %w", j, i, v, ErrInvalidInput)
			}
		}
		if y[i] {
			pos++
		}
	}
	if pos == 0 || pos == n {
		return nil, fmt.Errorf("calibrate: all %d outcomes are %v: %w", n, y[0], ErrOneClass)
	}
	if n < p {
		return nil, fmt.Errorf("calibrate: %d outcomes for %d parameters: %w", n, p, ErrTooFew)
	}

	eta := func(b []float64, row []float64) float64 {
		e := b[0]
		for j, v := range row {
			e += b[j+1] * v
		}
		return e
	}
	nll := func(b []float64) float64 {
		var f float64
		for i, row := range x {
			e := eta(b, row)
			if y[i] {
				f += log1pExp(-e)
			} else {
				f += log1pExp(e)
			}
		}
		return f
	}
	problem := optimize.Problem{
		Func: func(b []float64) float64 {
			f := nll(b)
			for j := 1; j < p; j++ {
				f += l2 / 2 * b[j] * b[j]
			}
			return f
		},
		Grad: func(grad, b []float64) {
			clear(grad)
			for i, row := range x {
				r := sigmoid(eta(b, row))
				if y[i] {
					r--
				}
				grad[0] += r
				for j, v := range row {
					grad[j+1] += r * v
				}
			}
			for j := 1; j < p; j++ {
				grad[j] += l2 * b[j]
			}
		},
		Hess: func(h *mat.SymDense, b []float64) {
			hessian(h, x, b, l2, eta)
		},
	}
	settings := &optimize.Settings{GradientThreshold: 1e-10, MajorIterations: 200}
	res, err := optimize.Minimize(problem, make([]float64, p), settings, &optimize.Newton{})
	// Near the optimum the line search can stall on rounding before the
	// gradient reaches the threshold; a gradient that small relative to the
	// number of observations is converged all the same.
	if err != nil && res != nil && floats.Norm(res.Gradient, math.Inf(1)) < 1e-7*float64(n) {
		err = nil
	}
	if err != nil && (res == nil || res.Status != optimize.GradientThreshold) {
		if l2 == 0 {
			return nil, fmt.Errorf("calibrate: the fit did not converge (%v); the classes may be separable: %w", err, ErrSeparable)
		}
		return nil, fmt.Errorf("calibrate: the fit did not converge: %v: %w", err, ErrNotConverged)
	}
	b := res.X
	dev := 2 * nll(b)
	if l2 == 0 && dev < 1e-6*float64(n) {
		return nil, fmt.Errorf("calibrate: the outcomes are perfectly separated by the features: %w", ErrSeparable)
	}
	h := mat.NewSymDense(p, nil)
	hessian(h, x, b, l2, eta)
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil, fmt.Errorf("calibrate: the features are collinear (the Hessian is singular): %w", ErrInvalidInput)
	}
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		return nil, fmt.Errorf("calibrate: inverting the Hessian: %v: %w", err, ErrInvalidInput)
	}
	se := make([]float64, p)
	for j := range se {
		se[j] = math.Sqrt(inv.At(j, j))
	}
	return &Logit{Coef: b, SE: se, Deviance: dev}, nil
}

// hessian sets h to the Hessian of the penalised negative log-likelihood
// at b: sum over rows of p(1-p) z z' with z = (1, row), plus l2 on the
// diagonal but for the intercept. It accumulates the upper triangle in a
// plain slice, row by row, and writes h once.
func hessian(h *mat.SymDense, x [][]float64, b []float64, l2 float64, eta func([]float64, []float64) float64) {
	p := len(b)
	acc := make([]float64, p*p)
	z := make([]float64, p)
	z[0] = 1
	for _, row := range x {
		pr := sigmoid(eta(b, row))
		w := pr * (1 - pr)
		copy(z[1:], row)
		for r := range p {
			fr := w * z[r]
			upper := acc[r*p : (r+1)*p]
			for c := r; c < p; c++ {
				upper[c] += fr * z[c]
			}
		}
	}
	for r := range p {
		for c := r; c < p; c++ {
			v := acc[r*p+c]
			if r == c && r > 0 {
				v += l2
			}
			h.SetSym(r, c, v)
		}
	}
}

// The kinds of error this package returns.
var (
	ErrInvalidInput = errors.New("invalid input")
	ErrOneClass     = errors.New("only one class of outcome")
	ErrTooFew       = errors.New("fewer outcomes than parameters")
	ErrSeparable    = errors.New("outcomes perfectly separable: coefficients would be infinite")
	ErrNotConverged = errors.New("did not converge")
	ErrNoSignals    = errors.New("account has no usable signal before the cut-off")
	ErrNoWeight     = errors.New("no persona predicts renewal")
)
