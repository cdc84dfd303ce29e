// Package scoring turns what the people in a B2B account said and did
// (signals) into an explained, persona-aware account health score.
//
// A Model is plain data (it round-trips through JSON): metrics with their
// scales, persona and group weights, a rule per group, a veto threshold,
// recency, shrinkage, bands and a minimum coverage. Compile validates it
// against a persona.Catalog once, reporting every problem, and returns an
// immutable *Scorer that is safe for concurrent use.
//
// # The computation
//
// Scoring one account at time t nests person -> persona -> group -> account,
// so that the people easiest to reach cannot drown out those who decide:
//
//  1. Normalise. Each signal's value v on its metric's scale [min, max]
//     becomes x = 100*(v-min)/(max-min), or 100 - that when lower is better.
//     NPS answers (0..10) map by category: promoter (9-10) -> 100, passive
//     (7-8) -> 50, detractor (0-6) -> 0, so the mean of a group's answers is
//     50 + NPS/2. A value off the scale is dropped, never clamped.
//  2. Recency. A signal of age a counts r = 0.5^(a/HalfLife) (HalfLife 0:
//     r = 1). A signal dated after t or older than MaxAge is dropped. Only
//     ratios of weights matter below, so they are computed relative to the
//     freshest signal involved: however old the signals, no weight
//     underflows and a lone old answer counts as fully as a fresh one.
//  3. Person. For each (persona, contact, metric) the recency-weighted mean
//     x_c = sum(r*x)/sum(r). The contact counts once, with weight w_c =
//     max(r): their freshest word, so forty tickets from one person do not
//     outvote one answer from a silent executive. Signals with no contact
//     are anonymous respondents and count as a person each.
//  4. Persona. Per metric m, the w-weighted mean over contacts
//     x_m = sum(w_c*x_c)/sum(w_c) with Kish's effective size
//     n_m = (sum w_c)^2 / sum(w_c^2). With the persona's metric weights W_m
//     renormalised over the metrics heard, raw = sum(W_m*x_m), and its
//     effective size is n = 1/sum(W_m^2/n_m): the number of independent
//     answers whose mean would be as precise. Shrunk toward the prior with
//     strength k: score = (n*raw + k*PriorMean)/(n + k).
//     Variance: each answer is taken as the persona's true score plus
//     noise of standard deviation Spread, independent between people and
//     between metrics, and the prior as worth k such answers (the
//     normal-normal conjugate model), so Var = Spread^2/(n + k): it shrinks
//     as n grows and is the prior's own, Spread^2/k, when nothing was heard.
//     With Model.PersonSpread the evidence is two-level: a person's mean
//     on a metric is their own level, which differs between the persona's
//     people with variance B = Spread^2 - PersonSpread^2, plus their own
//     noise, variance W = PersonSpread^2 over a_c, Kish's effective number
//     of their answers (of the recency weights r). The target is the mean
//     level of the persona's N members in the account (its active
//     contacts; unknown, h/N taken as 0, where an anonymous answer or more
//     people than it lists were heard), a finite population, so the
//     between-people part counts only for the share not heard: with h of
//     them heard, n_m = (sum w_c)^2 / sum(w_c^2*((1-h/N)*B + W/a_c)/Spread^2),
//     the number of independent answers of spread Spread that would be as
//     precise. Everything after (shrinkage, variance, the veto's evidence)
//     uses that n. With PersonSpread 0, a_c and N play no part and n_m is
//     Kish's size of the people, as above. The approximations: a person's
//     answers are independent draws around their own level (a burst of
//     answers within days is more alike than that, so it narrows the
//     interval more than it should), and the people heard are taken as a
//     random draw of the persona's members.
//     One person's answers on two metrics are rarely independent; where
//     they agree closely, the interval is narrower than it should be, by up
//     to a factor sqrt(M) for a person answering M metrics alike.
//  5. Group. The weighted mean of the personas heard, their weights
//     renormalised over those heard (the others are reported Missing, never
//     imputed), or with RuleMin the lowest persona heard.
//     Var = sum(share^2 * Var_persona).
//  6. Account. The weighted mean over the groups heard, group weights
//     renormalised; Var = sum(share^2 * Var_persona) over personas, and the
//     interval is score ± z*sqrt(Var) at the model's Confidence, clipped to
//     [0, 100]. A veto persona scoring below VetoBelow caps the account at
//     its own score (weakest link); the result names it.
//     Coverage is the share of the model's total effective persona weight
//     heard; below MinCoverage the band is BandInsufficient.
//  7. Explanation. Each persona's share of the account (group share times
//     share within the group) gives its contribution share*(score -
//     PriorMean), and PriorMean + the contributions + the veto adjustment is
//     the score (clipped to [0, 100] against rounding). EffectiveN is Kish's
//     effective number of people: each person's weight in the account is
//     the sum, over the metrics they answered, of the weight their answer
//     carries, and anonymous signals are a person each.
//
// # Model terms
//
// Beyond the weighted means, a model may carry terms that calibration fits
// and the scorer applies, each explained as an exact additive part of the
// score (Result.Sum): NPS read on its 0-10 scale instead of by category
// (NPSAs); priors per persona and metric (Priors), which move shrinkage to
// the metric level; a soft veto taking points off per point a veto holder's
// raw mean sits under a threshold (SoftVeto), beside the hard cap; and
// relationship events read from contact tenure, a contact of a persona who
// left, or joined and is not heard yet, within a window (Events). Personas
// not heard count at their priors with their full weight (UnheardPrior, the
// default model's choice) or are renormalised away. A fit term (Fit) moves
// the score with the account's fit to an ideal customer profile
// (persona.FitProfile).
//
// # The account's own village
//
// An account's committee seats in force at the scoring time
// (persona.Account.Committee) replace the model's persona weights and veto
// holders for that account: the weights, coverage, vetoes and soft veto are
// computed in a per-account copy of the village, built in the Result's
// scratch space only when a persona seat is in force. Role seats name the
// economic buyer, the sponsor...; an Event may name a role instead of a
// persona ("the economic buyer left"). Result.Committee lists the seats
// applied, and Explain shows them. A seat in force that cannot be applied
// is an error wrapping persona.ErrInvalidSeat, never a silent fallback.
//
// # Whom to ask next
//
// AnswerValues says, for each contact of an account, what one more answer
// from them is expected to tell: the expected squared move of the score,
// or of what hinges on it (a fitted link's P(renew)), found by scoring the
// account again with each possible answer, so that a veto the answer could
// make or clear, a persona whose people were all heard, or an outlook
// already settled are valued as the model itself would update on them;
// times the probability that they answer. package sampling plans a wave
// from those values (sampling.PlanListening) without importing scoring.
//
// # Bad input
//
// Nothing is lost silently: every signal is either used or listed in
// Result.Dropped with a Reason (unknown metric, contact or persona, NaN or
// infinite, off the scale, in the future, expired, from a contact who has
// left, for another account, a metric the persona does not weigh, or a
// duplicate: same contact, metric and time, of which the one with the lowest
// value is kept whatever the input order). An account that heard nobody has
// a defined result (Scored false, band BandInsufficient), never a NaN. The
// only errors from Score are an account listing one contact ID twice and a
// committee seat in force that cannot be applied.
//
// # Determinism, shards and batches
//
// Signals are processed in a canonical order, so a Result is the same bit
// for bit whatever the order of the signals or of the account's contacts.
// Ages are wall-clock differences, whether or not the times carry monotonic
// clock readings.
// An Accumulator collects an account's signals in pieces and merges them, and
// travels between machines as bytes (MarshalBinary); its Result equals
// Score's. ScoreAll scores a stream of accounts with bounded workers, in
// input order, identically whatever the number of workers; ScoreEach does the
// same lending one reused Result at a time, allocating nothing per account.
// A Batch (NewBatch) prepares a whole base once, IDs resolved to integers
// and signals in compact records in canonical order, so that ScoreBatch,
// at one time or at many, does no string work and gives Score's Results
// bit for bit; ScoreBatchAll returns every Result to keep, with no
// allocation per account and no in-order hand-off between the workers.
//
// # Performance
//
// ScoreInto reuses a caller-owned Result and allocates nothing once it has
// grown; see BENCHMARKS.md at the repository root for the figures.
//
// # Custom scorers
//
// AccountScorer is the contract for any account scorer; package scoringtest
// checks an implementation against it.
package scoring
