package sampling_test

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/villagecx/village/sampling"
)

// The fixtures under testdata were written by testdata/survey_oracle.R with
// R's survey package (versions in testdata/oracle.versions.txt); the tests
// compare against them at 1e-6 relative and never run R.

type table struct {
	cols map[string]int
	rows [][]string
}

func readCSV(t *testing.T, name string) table {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tb := table{cols: map[string]int{}, rows: recs[1:]}
	for i, c := range recs[0] {
		tb.cols[c] = i
	}
	return tb
}

func (tb table) str(col string) []string {
	out := make([]string, len(tb.rows))
	for i, r := range tb.rows {
		out[i] = r[tb.cols[col]]
	}
	return out
}

func (tb table) num(t *testing.T, col string) []float64 {
	out := make([]float64, len(tb.rows))
	for i, s := range tb.str(col) {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("column %s row %d: %v", col, i, err)
		}
		out[i] = v
	}
	return out
}

type rEstimate struct {
	Level string  `json:"level"`
	Value float64 `json:"value"`
	SE    float64 `json:"se"`
	DEff  float64 `json:"deff"`
}

type oracle struct {
	StratMeanAPI00      rEstimate            `json:"strat_mean_api00"`
	StratTotalEnroll    rEstimate            `json:"strat_total_enroll"`
	StratNoFPCMeanAPI00 rEstimate            `json:"strat_nofpc_mean_api00"`
	StratNoFPCTotal     rEstimate            `json:"strat_nofpc_total_enroll"`
	StratRatio          rEstimate            `json:"strat_ratio_api00_api99"`
	StratPropSchWideYes rEstimate            `json:"strat_prop_schwide_yes"`
	StratDomainMean     map[string]rEstimate `json:"strat_domain_mean_api00_by_awards"`
	StratDomainTotal    map[string]rEstimate `json:"strat_domain_total_enroll_by_awards"`
	ClusMeanAPI00       rEstimate            `json:"clus_mean_api00"`
	ClusTotalEnroll     rEstimate            `json:"clus_total_enroll"`
	PostMeanAPI00       rEstimate            `json:"post_mean_api00"`
	PostTotalEnroll     rEstimate            `json:"post_total_enroll"`
	RakeMeanAPI00       rEstimate            `json:"rake_mean_api00"`
	RakeTotalEnroll     rEstimate            `json:"rake_total_enroll"`
	RakeWeights         []float64            `json:"rake_weights"`
	RakeDefaultMean     rEstimate            `json:"rake_default_mean_api00"`
	RakeDefaultTotal    rEstimate            `json:"rake_default_total_enroll"`
	RakeDefaultWeights  []float64            `json:"rake_default_weights"`
	DeffDomainMean      rEstimate            `json:"deff_domain_mean_api00_E"`
	DeffDomainTotal     rEstimate            `json:"deff_domain_total_enroll_E"`
	DeffRatio           rEstimate            `json:"deff_ratio_api00_api99"`
	DeffPostMean        rEstimate            `json:"deff_post_mean_api00"`
	DeffPostTotal       rEstimate            `json:"deff_post_total_enroll"`
	DeffRakeMean        rEstimate            `json:"deff_rake_mean_api00"`
	TrimUpper           float64              `json:"trim_upper"`
	ByMeanAvgEd         rTable               `json:"by_mean_avged"`
	ByTotalEnroll       rTable               `json:"by_total_enroll"`
	ByRatio             rTable               `json:"by_ratio_api00_api99"`
	StratMeans          rCovariance          `json:"strat_means_api00_api99"`
	HRTotals            rCovariance          `json:"hr_totals_bush_kerry"`
	HRMeanBush          rEstimate            `json:"hr_mean_bush"`
	HRP2Bar             float64              `json:"hr_p2bar"`
	HRGivenTotalBush    rEstimate            `json:"hr_given_total_bush"`
	Clus2Mean           rEstimate            `json:"clus2_mean_api00"`
	Clus2Total          rEstimate            `json:"clus2_total_api00"`
	BRRTotal            rEstimate            `json:"brr_total_arrests"`
	BRRMean             rEstimate            `json:"brr_mean_arrests"`
	BRRWeights          []float64            `json:"brr_weights"`
	FayMean             rEstimate            `json:"fay_mean_arrests"`
	FayTotal            rEstimate            `json:"fay_total_alive"`
	BootRepWeights      []float64            `json:"boot_repweights"`
	BootScale           float64              `json:"boot_scale"`
	BootRScales         []float64            `json:"boot_rscales"`
	BootMean            rEstimate            `json:"boot_mean_api00"`
	JK1Mean             rEstimate            `json:"jk1_mean_api00"`
	JK1Total            rEstimate            `json:"jk1_total_enroll"`
	JK1MSEMean          rEstimate            `json:"jk1_mse_mean_api00"`
	JKnMean             rEstimate            `json:"jkn_mean_api00"`
	JKnTotal            rEstimate            `json:"jkn_total_enroll"`
	SurveyStratFPC      rEstimate            `json:"survey_strat_fpconly_mean_api00"`
	SurveyStratFraction rEstimate            `json:"survey_strat_fraction_total_enroll"`
	SurveyClusFPC       rEstimate            `json:"survey_clus_fpconly_mean_api00"`
	ClusTotals          rCovariance          `json:"clus_totals_api00_enroll"`
	RakeMeans           rCovariance          `json:"rake_means_api00_api99"`
	WeightsStrat        struct {
		N                       int
		Sum, Min, Max, Mean, CV float64
	} `json:"weights_strat"`
	StrataAPI00 struct {
		Levels     []string  `json:"levels"`
		N          []int     `json:"n"`
		Population []float64 `json:"population"`
		Mean       []float64 `json:"mean"`
		Var        []float64 `json:"var"`
	} `json:"strata_api00"`
	TrimWeights []float64 `json:"trim_weights"`
	Neyman      struct {
		Strata []string  `json:"strata"`
		N      []float64 `json:"N"`
		S      []float64 `json:"S"`
		Size   int       `json:"n"`
		Alloc  []float64 `json:"alloc"`
	} `json:"neyman"`
}

// rTable is an svyby table.
type rTable struct {
	Levels               []string
	Value, SE, Low, High []float64
	DEff                 []float64 `json:"deff"`
}

// rCovariance is several estimates with their covariance matrix, by
// columns as R's as.vector(vcov(...)).
type rCovariance struct {
	Value []float64 `json:"value"`
	VCov  []float64 `json:"vcov"`
}

func loadOracle(t *testing.T) oracle {
	t.Helper()
	data, err := os.ReadFile("testdata/oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func rel(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > 1e-6*math.Abs(want) {
		t.Errorf("%s = %.12g, R says %.12g", what, got, want)
	}
}

func same(t *testing.T, what string, got sampling.Estimate, want rEstimate, deff bool) {
	t.Helper()
	rel(t, what+" value", got.Value, want.Value)
	rel(t, what+" SE", got.SE, want.SE)
	if deff {
		rel(t, what+" design effect", got.DEff, want.DEff)
	}
}

// apistrat: a stratified simple random sample of 200 California schools, by
// school type (elementary, middle, high).
func stratDesign(t *testing.T, fpc bool) (*sampling.Design, table) {
	tb := readCSV(t, "apistrat.csv")
	stype, pw, popN := tb.str("stype"), tb.num(t, "pw"), tb.num(t, "fpc")
	units := make([]sampling.Unit, len(pw))
	sizes := map[string]float64{}
	for i := range units {
		units[i] = sampling.Unit{Stratum: stype[i], Weight: pw[i]}
		sizes[stype[i]] = popN[i]
	}
	var opts *sampling.DesignOptions
	if fpc {
		opts = &sampling.DesignOptions{PopulationPSUs: sizes}
	}
	d, err := sampling.NewDesign(units, opts)
	if err != nil {
		t.Fatal(err)
	}
	return d, tb
}

// apiclus1: a one-stage cluster sample of 15 school districts (all their schools).
func clusDesign(t *testing.T) (*sampling.Design, table) {
	tb := readCSV(t, "apiclus1.csv")
	dnum, pw, popN := tb.str("dnum"), tb.num(t, "pw"), tb.num(t, "fpc")
	units := make([]sampling.Unit, len(pw))
	for i := range units {
		units[i] = sampling.Unit{Cluster: dnum[i], Weight: pw[i]}
	}
	d, err := sampling.NewDesign(units, &sampling.DesignOptions{PopulationPSUs: map[string]float64{"": popN[0]}})
	if err != nil {
		t.Fatal(err)
	}
	return d, tb
}

// mustFor returns a helper that unwraps an estimate, failing t on an error.
func mustFor(t *testing.T) func(sampling.Estimate, error) sampling.Estimate {
	return func(e sampling.Estimate, err error) sampling.Estimate {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

func TestStratifiedAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	d, tb := stratDesign(t, true)
	api00, api99, enroll := tb.num(t, "api00"), tb.num(t, "api99"), tb.num(t, "enroll")
	same(t, "mean api00 (fpc)", must(d.Mean(api00)), o.StratMeanAPI00, true)
	same(t, "total enroll (fpc)", must(d.Total(enroll)), o.StratTotalEnroll, true)
	same(t, "ratio api00/api99", must(d.Ratio(api00, api99)), o.StratRatio, false)

	yes := make([]bool, len(api00))
	for i, s := range tb.str("sch.wide") {
		yes[i] = s == "Yes"
	}
	same(t, "proportion sch.wide == Yes", must(d.Proportion(yes)), o.StratPropSchWideYes, false)

	awards := tb.str("awards")
	for _, want := range o.StratDomainMean {
		in := make([]bool, len(awards))
		for i, a := range awards {
			in[i] = a == want.Level
		}
		same(t, "domain mean api00, awards "+want.Level, must(d.DomainMean(api00, in)), want, false)
	}
	for _, want := range o.StratDomainTotal {
		in := make([]bool, len(awards))
		for i, a := range awards {
			in[i] = a == want.Level
		}
		same(t, "domain total enroll, awards "+want.Level, must(d.DomainTotal(enroll, in)), want, false)
	}

	nofpc, _ := stratDesign(t, false)
	same(t, "mean api00 (no fpc)", must(nofpc.Mean(api00)), o.StratNoFPCMeanAPI00, true)
	same(t, "total enroll (no fpc)", must(nofpc.Total(enroll)), o.StratNoFPCTotal, true)
}

func TestClusterAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	d, tb := clusDesign(t)
	same(t, "mean api00", must(d.Mean(tb.num(t, "api00"))), o.ClusMeanAPI00, true)
	same(t, "total enroll", must(d.Total(tb.num(t, "enroll"))), o.ClusTotalEnroll, true)
}

var popTypes = map[string]float64{"E": 4421, "H": 755, "M": 1018}

func TestPostStratifiedAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	d, tb := clusDesign(t)
	p, err := d.PostStratify(tb.str("stype"), popTypes)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "post-stratified mean api00", must(p.Mean(tb.num(t, "api00"))), o.PostMeanAPI00, false)
	same(t, "post-stratified total enroll", must(p.Total(tb.num(t, "enroll"))), o.PostTotalEnroll, false)
	var sum float64
	for _, w := range p.Weights() {
		sum += w
	}
	rel(t, "post-stratified weight total", sum, 6194)
}

func TestRakedAndTrimmedAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	d, tb := clusDesign(t)
	r, err := d.Rake([]sampling.Margin{
		{Cells: tb.str("stype"), Totals: popTypes},
		{Cells: tb.str("sch.wide"), Totals: map[string]float64{"No": 1072, "Yes": 5122}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range r.Weights() {
		rel(t, "raked weight "+strconv.Itoa(i), w, o.RakeWeights[i])
	}
	same(t, "raked mean api00", must(r.Mean(tb.num(t, "api00"))), o.RakeMeanAPI00, false)
	same(t, "raked total enroll", must(r.Total(tb.num(t, "enroll"))), o.RakeTotalEnroll, false)

	tr, err := r.Trim(math.Inf(-1), o.TrimUpper)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range tr.Weights() {
		rel(t, "trimmed weight "+strconv.Itoa(i), w, o.TrimWeights[i])
	}
}

// With R's stopping rule (LikeR) Rake stops where R's rake() stops: with
// rake()'s defaults (epsilon 1 on the joint table, at most 10 sweeps) the
// weights and raked estimates equal R's to 1e-9, where raking to convergence
// differs from them by 4e-6..4e-5; and with R run to convergence (epsilon
// 1e-13 of the total weight, 1,000 sweeps), so do they.
func TestRakeLikeRAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	d, tb := clusDesign(t)
	margins := []sampling.Margin{
		{Cells: tb.str("stype"), Totals: popTypes},
		{Cells: tb.str("sch.wide"), Totals: map[string]float64{"No": 1072, "Yes": 5122}},
	}
	close := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
			t.Errorf("%s = %.15g, R says %.15g", what, got, want)
		}
	}
	for _, tc := range []struct {
		name        string
		opts        sampling.RakeOptions
		weights     []float64
		mean, total rEstimate
	}{
		{"R's defaults", sampling.RakeOptions{LikeR: true}, o.RakeDefaultWeights, o.RakeDefaultMean, o.RakeDefaultTotal},
		{"R to convergence", sampling.RakeOptions{LikeR: true, Epsilon: 1e-13, MaxIter: 1000}, o.RakeWeights, o.RakeMeanAPI00, o.RakeTotalEnroll},
	} {
		r, err := d.Rake(margins, &tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range r.Weights() {
			close(tc.name+": raked weight "+strconv.Itoa(i), w, tc.weights[i])
		}
		mean, total := must(r.Mean(tb.num(t, "api00"))), must(r.Total(tb.num(t, "enroll")))
		close(tc.name+": raked mean api00", mean.Value, tc.mean.Value)
		close(tc.name+": raked mean api00 SE", mean.SE, tc.mean.SE)
		close(tc.name+": raked total enroll", total.Value, tc.total.Value)
		close(tc.name+": raked total enroll SE", total.SE, tc.total.SE)
	}
	// Not converging within MaxIter is not an error under R's rule (R warns).
	if _, err := d.Rake(margins, &sampling.RakeOptions{LikeR: true, Epsilon: 1e-13, MaxIter: 1}); err != nil {
		t.Errorf("R's rule, one sweep: %v", err)
	}
}

// Design effects where they used to be 0: a domain (R's svymean and
// svytotal on subset(dclus1, stype == "E")), a ratio (svyratio's deff),
// and the post-stratified and raked designs, against R.
func TestDesignEffectsAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	d, tb := clusDesign(t)
	stype := tb.str("stype")
	elem := make([]bool, len(stype))
	for i, s := range stype {
		elem[i] = s == "E"
	}
	api00, api99, enroll := tb.num(t, "api00"), tb.num(t, "api99"), tb.num(t, "enroll")
	same(t, "domain mean", must(d.DomainMean(api00, elem)), o.DeffDomainMean, true)
	same(t, "domain total", must(d.DomainTotal(enroll, elem)), o.DeffDomainTotal, true)
	same(t, "ratio", must(d.Ratio(api00, api99)), o.DeffRatio, true)
	p, err := d.PostStratify(stype, popTypes)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "post-stratified mean", must(p.Mean(api00)), o.DeffPostMean, true)
	same(t, "post-stratified total", must(p.Total(enroll)), o.DeffPostTotal, true)
	r, err := d.Rake([]sampling.Margin{
		{Cells: stype, Totals: popTypes},
		{Cells: tb.str("sch.wide"), Totals: map[string]float64{"No": 1072, "Yes": 5122}},
	}, &sampling.RakeOptions{LikeR: true, Epsilon: 1e-13, MaxIter: 1000})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "raked mean", must(r.Mean(api00)), o.DeffRakeMean, true)

	// A weighted mix of domains has no simple-random-sample counterpart.
	if e := must(d.WeightedDomainMean(api00, stype, map[string]float64{"E": 1, "M": 1, "H": 1})); !math.IsNaN(e.DEff) {
		t.Errorf("WeightedDomainMean DEff = %v, want NaN", e.DEff)
	}
}

// Several variables at once: the estimates and their covariance matrix
// equal R's coef and vcov on a stratified, a cluster and a raked design.
func TestSeveralVariablesAgainstR(t *testing.T) {
	o := loadOracle(t)
	check := func(name string, est []sampling.Estimate, cov interface{ At(i, j int) float64 }, err error, want rCovariance) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		k := len(est)
		for i := range k {
			rel(t, fmt.Sprintf("%s value %d", name, i), est[i].Value, want.Value[i])
			rel(t, fmt.Sprintf("%s SE %d", name, i), est[i].SE, math.Sqrt(want.VCov[i*k+i]))
			for j := range k {
				rel(t, fmt.Sprintf("%s covariance %d,%d", name, i, j), cov.At(i, j), want.VCov[j*k+i])
			}
		}
	}
	d, tb := stratDesign(t, true)
	est, cov, err := d.Means(tb.num(t, "api00"), tb.num(t, "api99"))
	check("stratified means", est, cov, err, o.StratMeans)
	c, ctb := clusDesign(t)
	est, cov, err = c.Totals(ctb.num(t, "api00"), ctb.num(t, "enroll"))
	check("cluster totals", est, cov, err, o.ClusTotals)
	r, err := c.Rake([]sampling.Margin{
		{Cells: ctb.str("stype"), Totals: popTypes},
		{Cells: ctb.str("sch.wide"), Totals: map[string]float64{"No": 1072, "Yes": 5122}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	est, cov, err = r.Means(ctb.num(t, "api00"), ctb.num(t, "api99"))
	check("raked means", est, cov, err, o.RakeMeans)
	// Each is what the one-variable call gives.
	one, _ := d.Mean(tb.num(t, "api00"))
	if est, _, _ := d.Means(tb.num(t, "api00"), tb.num(t, "api99")); est[0] != one {
		t.Errorf("Means[0] = %+v, Mean = %+v", est[0], one)
	}
	if _, _, err := d.Means(); !errors.Is(err, sampling.ErrEmpty) {
		t.Errorf("no variable: %v", err)
	}
}

// Weight and stratum summaries equal R's summaries of weights(dstrat) and
// svyby(~api00, ~stype, dstrat, svymean / svyvar), and feed Allocate.
func TestSummariesAgainstR(t *testing.T) {
	o := loadOracle(t)
	d, tb := stratDesign(t, true)
	ws := d.WeightSummary()
	want := o.WeightsStrat
	if ws.N != want.N {
		t.Errorf("n = %d, R %d", ws.N, want.N)
	}
	rel(t, "weight sum", ws.Sum, want.Sum)
	rel(t, "weight min", ws.Min, want.Min)
	rel(t, "weight max", ws.Max, want.Max)
	rel(t, "weight mean", ws.Mean, want.Mean)
	rel(t, "weight CV", ws.CV, want.CV)
	rel(t, "Kish n", ws.KishN, want.Sum*want.Sum/(float64(want.N)*want.Mean*want.Mean*(1+want.CV*want.CV*float64(want.N-1)/float64(want.N))))
	strata, err := d.StrataSummary(tb.num(t, "api00"))
	if err != nil {
		t.Fatal(err)
	}
	s := o.StrataAPI00
	if len(strata) != len(s.Levels) {
		t.Fatalf("%d strata, R %d", len(strata), len(s.Levels))
	}
	for i, st := range strata {
		if st.Key != s.Levels[i] || st.N != s.N[i] {
			t.Errorf("stratum %d: %s n %d, R %s n %d", i, st.Key, st.N, s.Levels[i], s.N[i])
		}
		rel(t, st.Key+" population", st.Population, s.Population[i])
		rel(t, st.Key+" mean", st.Mean, s.Mean[i])
		rel(t, st.Key+" SD", st.SD, math.Sqrt(s.Var[i]))
	}
	alloc := sampling.AllocationStrata(strata)
	if alloc[0].Key != "E" || alloc[0].Size != 4421 || alloc[0].SD != strata[0].SD {
		t.Errorf("allocation strata %+v", alloc)
	}
	if _, err := sampling.Allocate(alloc, 100, sampling.Neyman); err != nil {
		t.Errorf("Allocate on the summaries: %v", err)
	}
}

// By-domain tables equal R's svyby: means with missing values dropped
// (na.rm), totals and ratios, with their intervals and design effects;
// without the policy a missing value is an error.
func TestByDomainAgainstR(t *testing.T) {
	o := loadOracle(t)
	d, tb := clusDesign(t)
	avged := make([]float64, len(tb.rows))
	nas := 0
	for i, v := range tb.str("avg.ed") {
		if v == "NA" {
			avged[i] = math.NaN()
			nas++
			continue
		}
		avged[i], _ = strconv.ParseFloat(v, 64)
	}
	stype := tb.str("stype")
	check := func(name string, rows []sampling.DomainRow, err error, want rTable) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(want.Levels) {
			t.Fatalf("%s: %d rows, R %d", name, len(rows), len(want.Levels))
		}
		for i, r := range rows {
			if r.Level != want.Levels[i] {
				t.Errorf("%s row %d: level %q, R %q", name, i, r.Level, want.Levels[i])
			}
			rel(t, name+" "+r.Level+" value", r.Value, want.Value[i])
			rel(t, name+" "+r.Level+" SE", r.SE, want.SE[i])
			rel(t, name+" "+r.Level+" low", r.Low, want.Low[i])
			rel(t, name+" "+r.Level+" high", r.High, want.High[i])
			rel(t, name+" "+r.Level+" design effect", r.DEff, want.DEff[i])
		}
	}
	rows, err := d.MeanBy(avged, stype, &sampling.ByOptions{Missing: sampling.MissingDrop})
	check("mean avg.ed by stype", rows, err, o.ByMeanAvgEd)
	dropped := 0
	for _, r := range rows {
		dropped += r.Missing
	}
	if dropped != nas || nas != 26 {
		t.Errorf("%d missing counted, %d in the data (26 in R's apiclus1)", dropped, nas)
	}
	rows, err = d.TotalBy(tb.num(t, "enroll"), stype, nil)
	check("total enroll by stype", rows, err, o.ByTotalEnroll)
	rows, err = d.RatioBy(tb.num(t, "api00"), tb.num(t, "api99"), stype, nil)
	check("ratio api00/api99 by stype", rows, err, o.ByRatio)

	if _, err := d.MeanBy(avged, stype, nil); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("a missing value without the policy: %v", err)
	}
	if _, err := d.MeanBy(avged, stype[:3], nil); !errors.Is(err, sampling.ErrLength) {
		t.Errorf("short levels: %v", err)
	}
}

// A design from the data's columns, as svydesign takes it: weights derived
// from the fpc given as counts or as fractions, and a cluster design with no
// weights column; estimates by variable name equal R's.
func TestNewSurveyAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	tb := readCSV(t, "apistrat.csv")
	stype := tb.str("stype")
	counts := map[string]float64{}
	for _, s := range stype {
		counts[s]++
	}
	fpc := tb.num(t, "fpc")
	frac := make([]float64, len(fpc))
	for i := range fpc {
		frac[i] = counts[stype[i]] / fpc[i]
	}
	data := sampling.Data{
		Numbers: map[string][]float64{"api00": tb.num(t, "api00"), "enroll": tb.num(t, "enroll"), "fpc": fpc, "frac": frac},
		Labels:  map[string][]string{"stype": stype},
	}
	s, err := sampling.NewSurvey(data, sampling.Spec{Strata: "stype", FPC: "fpc"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "fpc-only stratified mean api00", must(s.Mean("api00")), o.SurveyStratFPC, true)
	s, err = sampling.NewSurvey(data, sampling.Spec{Strata: "stype", FPC: "frac"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "fraction-fpc stratified total enroll", must(s.Total("enroll")), o.SurveyStratFraction, true)

	ctb := readCSV(t, "apiclus1.csv")
	c, err := sampling.NewSurvey(sampling.Data{
		Numbers: map[string][]float64{"api00": ctb.num(t, "api00"), "fpc": ctb.num(t, "fpc")},
		Labels:  map[string][]string{"dnum": ctb.str("dnum")},
	}, sampling.Spec{Cluster: "dnum", FPC: "fpc"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "fpc-only cluster mean api00", must(c.Mean("api00")), o.SurveyClusFPC, true)

	for name, tc := range map[string]struct {
		data sampling.Data
		spec sampling.Spec
		want error
	}{
		"an unknown column":      {data, sampling.Spec{Strata: "school type", FPC: "fpc"}, sampling.ErrUnknownColumn},
		"no weights and no fpc":  {data, sampling.Spec{Strata: "stype"}, sampling.ErrInvalidValue},
		"columns of two lengths": {sampling.Data{Numbers: map[string][]float64{"a": {1, 2}, "b": {1}}}, sampling.Spec{Weights: "a"}, sampling.ErrLength},
		"an fpc varying within a stratum": {sampling.Data{Numbers: map[string][]float64{"f": {10, 12}}, Labels: map[string][]string{"s": {"x", "x"}}},
			sampling.Spec{Strata: "s", FPC: "f"}, sampling.ErrInvalidValue},
	} {
		if _, err := sampling.NewSurvey(tc.data, tc.spec); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if _, err := s.Mean("nope"); !errors.Is(err, sampling.ErrUnknownColumn) {
		t.Errorf("an unknown variable: %v", err)
	}
}

// Jackknife replicate designs equal R's as.svrepdesign: JK1 on the cluster
// sample (fpc in the scale; centred on the replicates' mean and, with
// MSE, on the estimate) and JKn on the stratified sample.
func TestJackknifeAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	c, ctb := clusDesign(t)
	r, err := c.Replicates(sampling.JK1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Replicates() != 15 {
		t.Errorf("%d replicates, want one a district (15)", r.Replicates())
	}
	same(t, "JK1 mean api00", must(r.Mean(ctb.num(t, "api00"))), o.JK1Mean, false)
	same(t, "JK1 total enroll", must(r.Total(ctb.num(t, "enroll"))), o.JK1Total, false)
	r.MSE = true
	same(t, "JK1 (mse) mean api00", must(r.Mean(ctb.num(t, "api00"))), o.JK1MSEMean, false)

	d, tb := stratDesign(t, true)
	rn, err := d.Replicates(sampling.JKn)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "JKn mean api00", must(rn.Mean(tb.num(t, "api00"))), o.JKnMean, false)
	same(t, "JKn total enroll", must(rn.Total(tb.num(t, "enroll"))), o.JKnTotal, false)

	if _, err := d.Replicates(sampling.JK1); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("JK1 on a stratified design: %v", err)
	}
	p, err := c.PostStratify(ctb.str("stype"), popTypes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Replicates(sampling.JK1); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("replicates of a calibrated design: %v", err)
	}
}

// Sampling with probabilities proportional to size without replacement:
// the Hartley-Rao variance equals R's svydesign(id = ~1, fpc = ~p, pps =
// HR()) on the 40 counties of election_pps, with P2Bar estimated from the
// sample and given from the population, covariance included.
func TestHartleyRaoAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	tb := readCSV(t, "election_pps.csv")
	p := tb.num(t, "p")
	units := make([]sampling.Unit, len(p))
	for i, pi := range p {
		units[i] = sampling.Unit{Weight: 1 / pi}
	}
	d, err := sampling.NewDesign(units, &sampling.DesignOptions{PPS: &sampling.HartleyRao{}})
	if err != nil {
		t.Fatal(err)
	}
	est, cov, err := d.Totals(tb.num(t, "Bush"), tb.num(t, "Kerry"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		rel(t, fmt.Sprintf("HR total %d", i), est[i].Value, o.HRTotals.Value[i])
		for j := range 2 {
			rel(t, fmt.Sprintf("HR covariance %d,%d", i, j), cov.At(i, j), o.HRTotals.VCov[j*2+i])
		}
	}
	same(t, "HR mean Bush", must(d.Mean(tb.num(t, "Bush"))), o.HRMeanBush, false)
	given, err := sampling.NewDesign(units, &sampling.DesignOptions{PPS: &sampling.HartleyRao{P2Bar: map[string]float64{"": o.HRP2Bar}}})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "HR total Bush, P2Bar given", must(given.Total(tb.num(t, "Bush"))), o.HRGivenTotalBush, false)

	if _, err := sampling.NewDesign(units, &sampling.DesignOptions{PPS: &sampling.HartleyRao{}, PopulationPSUs: map[string]float64{"": 58}}); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("PPS with an fpc: %v", err)
	}
	bad := append([]sampling.Unit(nil), units...)
	bad[0].Weight = 0.5 // a probability of 2
	if _, err := sampling.NewDesign(bad, &sampling.DesignOptions{PPS: &sampling.HartleyRao{}}); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("a weight below 1: %v", err)
	}
}

// A two-stage design (districts, then schools within them) equals R's
// svydesign(id = ~dnum + snum, fpc = ~fpc1 + fpc2) on apiclus2: the
// stage-one variance plus each district's within variance times its
// stage-one inclusion probability.
func TestTwoStageAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	tb := readCSV(t, "apiclus2.csv")
	dnum, snum := tb.str("dnum"), tb.str("snum")
	fpc1, fpc2 := tb.num(t, "fpc1"), tb.num(t, "fpc2")
	units := make([]sampling.Unit, len(dnum))
	sampled := map[string]float64{}
	for _, d := range dnum {
		sampled[d]++
	}
	districts := 0.0
	for range sampled {
		districts++
	}
	ssus := map[string]float64{}
	for i := range units {
		// weight: (N1/n1) * (M_i/m_i)
		units[i] = sampling.Unit{Cluster: dnum[i], Cluster2: snum[i], Weight: fpc1[i] / districts * fpc2[i] / sampled[dnum[i]]}
		ssus[dnum[i]] = fpc2[i]
	}
	d, err := sampling.NewDesign(units, &sampling.DesignOptions{PopulationPSUs: map[string]float64{"": fpc1[0]}, PopulationSSUs: ssus})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "two-stage mean api00", must(d.Mean(tb.num(t, "api00"))), o.Clus2Mean, false)
	same(t, "two-stage total api00", must(d.Total(tb.num(t, "api00"))), o.Clus2Total, false)

	// The same as svydesign writes it, the weights derived from both fpcs.
	s, err := sampling.NewSurvey(sampling.Data{
		Numbers: map[string][]float64{"api00": tb.num(t, "api00"), "fpc1": fpc1, "fpc2": fpc2},
		Labels:  map[string][]string{"dnum": dnum, "snum": snum},
	}, sampling.Spec{Cluster: "dnum", Cluster2: "snum", FPC: "fpc1", FPC2: "fpc2"})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "two-stage survey mean api00", must(s.Mean("api00")), o.Clus2Mean, false)

	if _, err := sampling.NewDesign(units, &sampling.DesignOptions{PopulationSSUs: ssus}); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("a second stage without the first's fpc: %v", err)
	}
	delete(ssus, dnum[0])
	if _, err := sampling.NewDesign(units, &sampling.DesignOptions{PopulationPSUs: map[string]float64{"": fpc1[0]}, PopulationSSUs: ssus}); !errors.Is(err, sampling.ErrUnknownStratum) {
		t.Errorf("a PSU without its population of SSUs: %v", err)
	}
}

// Balanced repeated replication and Fay's method on scd (two ambulances in
// each of three areas) equal R's as.svrepdesign(type = "BRR" / "Fay"): the
// replicate weights themselves, totals and means with their SEs.
func TestBRRAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	tb := readCSV(t, "scd.csv")
	esa, amb := tb.str("ESA"), tb.str("ambulance")
	units := make([]sampling.Unit, len(esa))
	for i := range units {
		units[i] = sampling.Unit{Stratum: esa[i], Cluster: amb[i], Weight: 1}
	}
	d, err := sampling.NewDesign(units, nil)
	if err != nil {
		t.Fatal(err)
	}
	brr, err := d.ReplicatesBRR(0)
	if err != nil {
		t.Fatal(err)
	}
	n := len(units)
	for r := range brr.Replicates() {
		for i := range n {
			if got, want := brr.ReplicateWeight(r, i), o.BRRWeights[r*n+i]; got != want {
				t.Errorf("replicate %d unit %d: weight %v, R %v", r, i, got, want)
			}
		}
	}
	same(t, "BRR total arrests", must(brr.Total(tb.num(t, "arrests"))), o.BRRTotal, false)
	same(t, "BRR mean arrests", must(brr.Mean(tb.num(t, "arrests"))), o.BRRMean, false)
	fay, err := d.ReplicatesBRR(0.3)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "Fay mean arrests", must(fay.Mean(tb.num(t, "arrests"))), o.FayMean, false)
	same(t, "Fay total alive", must(fay.Total(tb.num(t, "alive"))), o.FayTotal, false)

	three := append([]sampling.Unit(nil), units...)
	three[1].Cluster = "9" // still two PSUs; add a third to stratum 1:
	three = append(three, sampling.Unit{Stratum: "1", Cluster: "3", Weight: 1})
	d3, err := sampling.NewDesign(three, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d3.ReplicatesBRR(0); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("BRR with three PSUs in a stratum: %v", err)
	}
	if _, err := d.ReplicatesBRR(1); !errors.Is(err, sampling.ErrInvalidValue) {
		t.Errorf("Fay's factor 1: %v", err)
	}
}

// Rao and Wu's bootstrap estimates the with-replacement variance: with
// 4,000 replicates its SE of the stratified mean of api00 is within 5% of
// the linearisation SE without the fpc (R's, in the fixture); the SE of an
// SE from R replicates is about 1/sqrt(2R), 1.1% here. The same source
// gives the same replicates.
func TestBootstrapAgainstLinearisation(t *testing.T) {
	o := loadOracle(t)
	d, tb := stratDesign(t, false)
	boot, err := d.ReplicatesBootstrap(4000, rand.NewPCG(11, 12))
	if err != nil {
		t.Fatal(err)
	}
	e, err := boot.Mean(tb.num(t, "api00"))
	if err != nil {
		t.Fatal(err)
	}
	rel(t, "bootstrap mean", e.Value, o.StratNoFPCMeanAPI00.Value)
	if r := e.SE / o.StratNoFPCMeanAPI00.SE; math.Abs(r-1) > 0.05 {
		t.Errorf("bootstrap SE %.4f, linearisation %.4f (ratio %.3f)", e.SE, o.StratNoFPCMeanAPI00.SE, r)
	}
	again, _ := d.ReplicatesBootstrap(4000, rand.NewPCG(11, 12))
	if e2, _ := again.Mean(tb.num(t, "api00")); e2.Value != e.Value || e2.SE != e.SE {
		t.Error("the same source gave another bootstrap")
	}
}

// Published replicate weights (R's own bootstrap of apistrat, 20
// replicates) give R's estimate and SE.
func TestPublishedReplicateWeightsAgainstR(t *testing.T) {
	o := loadOracle(t)
	must := mustFor(t)
	tb := readCSV(t, "apistrat.csv")
	w := tb.num(t, "pw")
	n := len(w)
	reps := make([][]float64, len(o.BootRScales))
	for k := range reps {
		reps[k] = o.BootRepWeights[k*n : (k+1)*n]
	}
	r, err := sampling.NewReplicateDesign(w, reps, o.BootScale, o.BootRScales)
	if err != nil {
		t.Fatal(err)
	}
	same(t, "published bootstrap mean api00", must(r.Mean(tb.num(t, "api00"))), o.BootMean, false)
	if _, err := sampling.NewReplicateDesign(w, reps, o.BootScale, o.BootRScales[:3]); !errors.Is(err, sampling.ErrLength) {
		t.Errorf("rscales of the wrong length: %v", err)
	}
}
