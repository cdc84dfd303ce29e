// Package sampling plans who to ask in a customer base and estimates, from
// whoever answered, what the whole base thinks: design-based survey
// statistics for the village, at the standard of R's survey package.
//
// B2B feedback programmes tend to survey everyone who touched a deal, or
// whoever is easiest to reach. This package designs the sample the way
// decisions are made, then reports honest numbers from it.
//
// # Planning
//
// A frame lists the units that could be asked (FrameFromAccounts builds one
// from persona accounts, stratified by persona or anything else). Allocate
// divides a sample among strata (proportional, Neyman, optimal with cost)
// within per-stratum bounds, rounded so that the sizes add up exactly;
// SampleSizeMean and SampleSizeProportion give the n a margin of error needs.
// Select applies contact-fatigue rules (not asked in the last N days; at most
// k per account per wave), reports what they excluded, and draws within each
// stratum by simple random, systematic, PPS or Poisson sampling, with
// randomness only from the math/rand/v2 Source it is given. Every selected
// unit carries its inclusion probability, fatigue thinning included.
//
// # Listening plans
//
// A relationship-survey wave planned by Allocate spends its effort where
// answers vary most for a base-wide estimate. PlanListening plans for the
// renewals instead (DOMAIN.md section 10): each Candidate carries what their
// answer is expected to be worth (for an account scored by package scoring,
// scoring.AnswerValues) and how fast further answers from their group lose
// value (Evidence, DecayNormal), and the plan maximises the total under a
// budget, per-candidate costs, the fatigue rules and minimums per stratum,
// greedily with lazy evaluation (its doc says how far from optimal that can
// be). PlanListeningPoisson draws the wave instead, with inclusion
// probabilities proportional to value per cost, so that the same wave
// targets information and gives design-unbiased base-wide estimates.
// Neither imports package scoring: the values are numbers.
//
// # Estimating
//
// A Design holds the sampled units' strata, primary sampling units and
// weights. It estimates totals (Horvitz-Thompson), means (Hajek), ratios,
// proportions, domain means and totals, and NPS, each with a linearisation
// (Taylor series) standard error:
//
//	Var = sum over strata h of f_h * n_h/(n_h - 1) * sum over PSUs j of (z_hj - mean_h z)^2
//
// where z_hj is the total over PSU j of the estimator's influence values
// (w*y for a total; w*(y - mean)/sum(w) for a mean; w*(y - R*x)/sum(w*x) for
// a ratio) and f_h = (N_h - n_h)/N_h is the finite population correction
// when stratum sizes are given (else 1). Domains keep the whole design, so
// strata with no unit in the domain still count. Design effects compare
// with simple random sampling without replacement of the same size, as R's
// deff = TRUE does.
//
// Weights can be adjusted for nonresponse within cells, post-stratified to
// known totals, raked on several margins by iterative proportional fitting,
// and trimmed. Post-stratified and raked designs use the residual variance:
// the influence values are first replaced by their residuals on the
// post-strata (for raking, by ten backfitting sweeps over the margins),
// exactly as R survey's svyrecvar does. KishN and KishDEff measure what
// unequal weights cost.
//
// NewSurvey builds a design from named columns as svydesign does (strata,
// clusters, weights or an fpc, counts or fractions, weights derived from
// it), and estimates by variable name. MeanBy, TotalBy and RatioBy give
// by-domain tables (svyby), with a missing-value policy; Means and Totals
// estimate several variables with their covariance matrix (vcov).
// Replicates builds jackknife replicate designs (JK1, JKn); with
// DesignOptions.PPS the variance is the Hartley-Rao approximation for
// sampling with probabilities proportional to size without replacement
// (InclusionProbabilities and Sampford select such samples). WeightSummary
// and StrataSummary describe a design and feed the next allocation;
// PlanWave and NPSWave plan and estimate a relationship-survey wave whole.
//
// The tests compare every estimate, standard error and design effect with R
// survey 4.1 on its own data sets (apistrat, apiclus1, apipop, election_pps)
// to 1e-6 relative; the R script and its output are in testdata.
//
// # Bad input
//
// Empty strata, n larger than the frame, a stratum with a single PSU (see
// LonelyPolicy), missing post-stratification totals, inconsistent or
// non-converging raking margins, NaN values and non-positive weights are
// returned as errors wrapping a sentinel (ErrInfeasible, ErrLonelyPSU,
// ErrEmptyCell, ...), never a panic or a NaN.
//
// # Concurrency
//
// A Design is immutable and safe for concurrent use; weighting returns a
// new Design. Select is safe for concurrent use with distinct Sources.
package sampling
