package persona

import (
	"fmt"
	"math"
)

// Job is a job to be done: an outcome a persona needs, with how important
// it is and how satisfied the persona is with it today, both on 0..10.
type Job struct {
	ID           string  `json:"id"`
	Persona      ID      `json:"persona"`
	Statement    string  `json:"statement"`
	Importance   float64 `json:"importance"`
	Satisfaction float64 `json:"satisfaction"`
}

// Opportunity returns the job's opportunity score; see Opportunity.
func (j Job) Opportunity() (float64, error) { return Opportunity(j.Importance, j.Satisfaction) }

// Opportunity returns Ulwick's outcome-driven-innovation opportunity score,
// importance + max(importance - satisfaction, 0), for importance and
// satisfaction on 0..10. The result is on 0..20; above 10 an outcome is
// important and underserved. A value that is NaN or outside 0..10 is an
// error wrapping ErrInvalidValue.
func Opportunity(importance, satisfaction float64) (float64, error) {
	if !(importance >= 0 && importance <= 10) {
		return 0, fieldErr("importance", importance, ErrInvalidValue)
	}
	if !(satisfaction >= 0 && satisfaction <= 10) {
		return 0, fieldErr("satisfaction", satisfaction, ErrInvalidValue)
	}
	return importance + math.Max(importance-satisfaction, 0), nil
}

// TopBoxScore returns the share of n respondents who answered in the top
// boxes, scaled to 0..10: 10*inTop/n. This is how outcome-driven innovation
// turns raw importance or satisfaction ratings into the 0..10 figures that
// Opportunity takes. It is an error if n <= 0 (ErrNoRatings) or inTop is
// outside 0..n (ErrInvalidValue).
func TopBoxScore(inTop, n int) (float64, error) {
	if n <= 0 {
		return 0, fieldErr("n", n, ErrNoRatings)
	}
	if inTop < 0 || inTop > n {
		return 0, fieldErr("inTop", inTop, ErrInvalidValue)
	}
	return 10 * float64(inTop) / float64(n), nil
}

// TopTwoBox returns the top-two-box score of ratings on a 1..scale scale
// (scale >= 2): the share of ratings equal to scale or scale-1, times 10.
// On the usual five-point scale, that is the share answering 4 or 5. A rating
// outside 1..scale is an error naming its position.
func TopTwoBox(ratings []int, scale int) (float64, error) {
	if scale < 2 {
		return 0, fieldErr("scale", scale, ErrInvalidValue)
	}
	top := 0
	for i, r := range ratings {
		if r < 1 || r > scale {
			return 0, fieldErr(fmt.Sprintf("ratings[%d]", i), r, ErrInvalidValue)
		}
		if r >= scale-1 {
			top++
		}
	}
	return TopBoxScore(top, len(ratings))
}
