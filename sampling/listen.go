package sampling

import (
	"cmp"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Candidate is someone who could be invited in a listening wave, with what
// their answer is expected to be worth (DOMAIN.md section 10). The value
// comes from whoever models the accounts (scoring.AnswerValues gives Value
// and Evidence); this package only weighs it against costs and rules.
type Candidate struct {
	ID      string
	Account string
	// Stratum is the candidate's stratum, usually their persona: minimums
	// are per stratum.
	Stratum string
	// Group holds the candidates whose answers inform the same estimate,
	// usually an account's persona, among whom answers have diminishing
	// returns; "" makes the candidate a group of its own.
	Group string
	// Value is what an answer is expected to be worth as the group's first
	// invitation, the chance of an answer included; finite and >= 0.
	Value float64
	// Evidence is the effective number of answers the group's estimate
	// already rests on (prior included), which sets how fast further
	// answers lose value (ListeningOptions.Decay); 0 means not known: no
	// decay.
	Evidence float64
	// Cost is what an invitation costs; 0 means 1.
	Cost float64
	// LastContacted is when the candidate was last asked; zero means never.
	LastContacted time.Time
}

// ListeningOptions are a listening wave's budget and rules.
type ListeningOptions struct {
	// Budget is the most the wave may cost (in candidates' Cost units), > 0.
	Budget float64
	// At is the wave's time, against which Fatigue.MinGap is measured.
	At time.Time
	// Fatigue: candidates asked less than MinGap before At are left out;
	// at most MaxPerAccount invitations go to one account (the most
	// valuable; 0 means no limit).
	Fatigue Fatigue
	// Min asks for at least that many invitations in each stratum named
	// (the most valuable of it), chosen before the rest; a minimum that
	// cannot be met within the budget and rules is ErrInfeasible.
	Min map[string]int
	// Decay is what the j-th invitation of a group (j = 0 the first) is
	// worth as a share of its Value, given the group's Evidence; nil means
	// DecayNormal. It must be in [0, 1] and not increase with j.
	Decay func(evidence float64, j int) float64
}

// DecayNormal is the decay of the normal model whose variance is
// Spread^2/e after e answers: the (j+1)-th new answer takes it from
// Spread^2/(e+j) to Spread^2/(e+j+1), which is e(e+1)/((e+j)(e+j+1)) of
// what the first does. With evidence 0 (not known) it is 1.
func DecayNormal(evidence float64, j int) float64 {
	if evidence <= 0 || j == 0 {
		return 1
	}
	e, fj := evidence, float64(j)
	return e * (e + 1) / ((e + fj) * (e + fj + 1))
}

// Invitation is one candidate chosen for a wave.
type Invitation struct {
	// Index is the candidate's position in the slice given.
	Index   int
	ID      string
	Account string
	Stratum string
	// Order is the number of invitations of its group ranked before it by
	// value (in the probability form, of its group's candidates).
	Order int
	// Value is what it adds to the wave: the candidate's Value times the
	// decay at its Order.
	Value float64
	// Prob is its inclusion probability: 1 in a greedy plan.
	Prob float64
}

// ListeningPlan is a wave: whom to invite and what it is expected to bring.
type ListeningPlan struct {
	// Invitations, in the greedy plan in the order chosen (most valuable
	// first, the minimums' before the rest); in the probability form in
	// the candidates' order.
	Invitations []Invitation
	// Cost and Value add up the invitations' costs and values.
	Cost  float64
	Value float64
	// ExpectedCost is, in the probability form, sum(Prob*Cost) over the
	// candidates, which the budget bounds; in the greedy plan, Cost.
	ExpectedCost float64
	// RecentlyContacted counts the candidates left out by Fatigue.MinGap.
	RecentlyContacted int
}

// PlanListening chooses whom to invite so as to maximise the wave's total
// value within the budget: greedily, each step taking the candidate whose
// next answer adds the most value per cost, the values of a group's later
// invitations decaying (ListeningOptions.Decay), with lazy evaluation (a
// candidate's value is recomputed only when it reaches the top of the
// queue after its group changed). Candidates of value 0 are never
// invited. The result is deterministic: ties go to the candidate given
// first.
//
// How far from optimal: the objective is a monotone submodular function
// (over each group, a sum of the top-m values with nonincreasing decay
// weights). With equal costs the greedy choice is at least 1 - 1/e (63%) of
// the optimum (Nemhauser, Wolsey and Fisher 1978), and at least half with
// per-account caps (a matroid; Fisher, Nemhauser and Wolsey 1978); where a
// group's candidates have equal values, as scoring gives the contacts of a
// persona never heard, each group is a concave function of a count and
// greedy is exact. With unequal costs, PlanListening also runs the greedy
// by value alone and keeps the better plan, which is at least (1 - 1/e)/2
// of the optimum under the budget (Leskovec et al. 2007, whose lazy
// evaluation this is); the minimums are met first, greedily, and carry no
// bound.
func PlanListening(candidates []Candidate, opts ListeningOptions) (*ListeningPlan, error) {
	l, err := newListening(candidates, &opts)
	if err != nil {
		return nil, err
	}
	best := l.greedy(true)
	if !l.equalCosts {
		if byValue := l.greedy(false); byValue.err == nil && (best.err != nil || byValue.plan.Value > best.plan.Value) {
			best = byValue
		}
	}
	if best.err != nil {
		return nil, best.err
	}
	if l.badDecay != nil {
		return nil, l.badDecay
	}
	return &best.plan, nil
}

// PlanListeningPoisson draws a wave by Poisson sampling with inclusion
// probabilities proportional to value per cost, capped at 1, so that it
// targets information and still gives design-unbiased estimates over the
// candidates (weights 1/Prob, for the estimators of this package). Within a
// group the candidates are ranked by value and each one's value decays at
// its rank, as the greedy plan's would. The probabilities are
// min(1, max(minProb, lambda*value/cost)), with lambda set so that the
// expected cost is the budget (or every candidate of positive value is
// certain, if they cost less); an account's probabilities are scaled down
// to add up to at most Fatigue.MaxPerAccount, a bound on its expected
// invitations that one draw may exceed. minProb in [0, 1) gives every
// candidate left after Fatigue.MinGap a chance, so that estimates cover
// them all (with 0, only candidates of positive value can be drawn, and
// estimates cover only those); Min is not supported here (ErrInvalidValue).
// Randomness comes from src only: one uniform draw per eligible candidate,
// in the order given.
func PlanListeningPoisson(candidates []Candidate, opts ListeningOptions, minProb float64, src rand.Source) (*ListeningPlan, error) {
	if len(opts.Min) > 0 {
		return nil, errf(ErrInvalidValue, len(opts.Min), "minimums in a Poisson plan")
	}
	if !(minProb >= 0 && minProb < 1) {
		return nil, errf(ErrInvalidValue, minProb, "minimum probability")
	}
	l, err := newListening(candidates, &opts)
	if err != nil {
		return nil, err
	}
	// Each eligible candidate's value at its rank among its group's.
	value := make([]float64, len(candidates))
	rank := make([]int32, len(candidates))
	members := l.byGroup()
	for g := range l.groups {
		ms := members.of(g)
		slices.SortStableFunc(ms, func(a, b int32) int { return cmp.Compare(candidates[b].Value, candidates[a].Value) })
		for j, i := range ms {
			rank[i] = int32(j)
		}
	}
	for _, i := range l.eligible {
		c := &candidates[i]
		value[i] = c.Value
		if l.groupOf[i] >= 0 {
			value[i] = c.Value * l.decay(c.Evidence, int(rank[i]))
		}
	}
	pi := make([]float64, len(candidates))
	probs := func(lambda float64) float64 {
		for _, i := range l.eligible {
			pi[i] = minProb
			if value[i] > 0 {
				pi[i] = min(1, max(minProb, lambda*value[i]/l.cost[i]))
			}
		}
		if k := float64(opts.Fatigue.MaxPerAccount); k > 0 {
			for a := range l.accounts {
				ms := l.byAccount.of(a)
				var sum float64
				for _, i := range ms {
					sum += pi[i]
				}
				if sum > k {
					for _, i := range ms {
						pi[i] *= k / sum
					}
				}
			}
		}
		var cost float64
		for _, i := range l.eligible {
			cost += pi[i] * l.cost[i]
		}
		return cost
	}
	// The largest lambda whose expected cost is within the budget, by
	// bisection; from hi on every positive value is certain.
	lo, hi := 0.0, 0.0
	for _, i := range l.eligible {
		if value[i] > 0 {
			hi = max(hi, l.cost[i]/value[i])
		}
	}
	if probs(0) > opts.Budget {
		return nil, errf(ErrInfeasible, opts.Budget, "budget below the expected cost of the minimum probability")
	}
	if probs(hi) > opts.Budget {
		for range 64 { // to the last bits of a float64
			mid := (lo + hi) / 2
			if probs(mid) <= opts.Budget {
				lo = mid
			} else {
				hi = mid
			}
		}
		hi = lo
	}
	expected := probs(hi)
	if l.badDecay != nil {
		return nil, l.badDecay
	}
	rng := rand.New(src)
	plan := ListeningPlan{ExpectedCost: expected, RecentlyContacted: l.recent}
	for _, i := range l.eligible {
		if u := rng.Float64(); u < pi[i] {
			c := &candidates[i]
			plan.Invitations = append(plan.Invitations, Invitation{Index: int(i), ID: c.ID, Account: c.Account, Stratum: c.Stratum,
				Order: int(rank[i]), Value: value[i], Prob: pi[i]})
			plan.Cost += l.cost[i]
			plan.Value += value[i]
		}
	}
	return &plan, nil
}

// listening is a wave's candidates checked and indexed. Indices into the
// candidates are int32: a wave of more than two billion is not planned.
type listening struct {
	cands      []Candidate
	opts       *ListeningOptions
	decay      func(float64, int) float64
	cost       []float64 // each candidate's cost, 0 read as 1
	eligible   []int32   // the candidates not left out by MinGap, in order
	accountOf  []int32   // candidate -> account index, in order of first appearance
	groupOf    []int32   // candidate -> group index, -1 for a group of its own
	accounts   int
	groups     int
	byAccount  buckets // the eligible candidates of each account
	recent     int
	equalCosts bool
	badDecay   error // the first value of a caller's Decay outside [0, 1]
}

// buckets lists items by key: those of key k are items[start[k]:start[k+1]],
// in the order they were given.
type buckets struct {
	items []int32
	start []int32
}

func (b *buckets) of(k int) []int32 { return b.items[b.start[k]:b.start[k+1]] }

// bucketsOf sorts the items by key (counting sort, stable); a key < 0
// leaves an item out.
func bucketsOf(items []int32, key []int32, keys int) buckets {
	b := buckets{start: make([]int32, keys+1)}
	for _, i := range items {
		if k := key[i]; k >= 0 {
			b.start[k+1]++
		}
	}
	for k := range keys {
		b.start[k+1] += b.start[k]
	}
	b.items = make([]int32, b.start[keys])
	next := slices.Clone(b.start[:keys])
	for _, i := range items {
		if k := key[i]; k >= 0 {
			b.items[next[k]] = i
			next[k]++
		}
	}
	return b
}

// byGroup lists the eligible candidates of each group.
func (l *listening) byGroup() buckets { return bucketsOf(l.eligible, l.groupOf, l.groups) }

func newListening(cands []Candidate, opts *ListeningOptions) (*listening, error) {
	if !(opts.Budget > 0) || math.IsInf(opts.Budget, 1) {
		return nil, errf(ErrInvalidValue, opts.Budget, "budget")
	}
	if opts.Fatigue.MaxPerAccount < 0 || opts.Fatigue.MinGap < 0 {
		return nil, errf(ErrInvalidValue, opts.Fatigue, "fatigue rules")
	}
	if len(cands) > math.MaxInt32 {
		return nil, errf(ErrInvalidValue, len(cands), "number of candidates")
	}
	for stratum, n := range opts.Min {
		if n < 0 {
			return nil, errf(ErrInvalidValue, n, "minimum of stratum %q", stratum)
		}
	}
	n := len(cands)
	l := &listening{cands: cands, opts: opts, cost: make([]float64, n), accountOf: make([]int32, n),
		groupOf: make([]int32, n), equalCosts: true, decay: DecayNormal}
	if opts.Decay != nil {
		l.decay = func(e float64, j int) float64 {
			d := opts.Decay(e, j)
			if !(d >= 0 && d <= 1) {
				if l.badDecay == nil {
					l.badDecay = errf(ErrInvalidValue, d, "decay(%v, %d)", e, j)
				}
				return 0
			}
			return d
		}
	}
	accounts := map[string]int32{}
	all := make([]int32, n)
	recent := make([]int32, n) // account index, or -1 when left out by MinGap
	l.eligible = make([]int32, 0, n)
	for i := range cands {
		c := &cands[i]
		switch {
		case !(c.Value >= 0) || math.IsInf(c.Value, 1):
			return nil, errf(ErrInvalidValue, c.Value, "candidates[%d] (%s): value", i, c.ID)
		case !(c.Evidence >= 0) || math.IsInf(c.Evidence, 1):
			return nil, errf(ErrInvalidValue, c.Evidence, "candidates[%d] (%s): evidence", i, c.ID)
		case !(c.Cost >= 0) || math.IsInf(c.Cost, 1):
			return nil, errf(ErrInvalidValue, c.Cost, "candidates[%d] (%s): cost", i, c.ID)
		}
		l.cost[i] = c.Cost
		if c.Cost == 0 {
			l.cost[i] = 1
		}
		if l.cost[i] != l.cost[0] {
			l.equalCosts = false
		}
		// An account's candidates usually come together.
		if i > 0 && c.Account == cands[i-1].Account {
			l.accountOf[i] = l.accountOf[i-1]
		} else {
			a, ok := accounts[c.Account]
			if !ok {
				a = int32(len(accounts))
				accounts[c.Account] = a
			}
			l.accountOf[i] = a
		}
		all[i] = int32(i)
		recent[i] = l.accountOf[i]
		if opts.Fatigue.Recent(c.LastContacted, opts.At) {
			l.recent++
			recent[i] = -1
			continue
		}
		l.eligible = append(l.eligible, int32(i))
	}
	l.accounts = len(accounts)
	// Within each account: IDs once, and its groups numbered. A group is
	// an account's: the same Group in two accounts is two groups.
	members := bucketsOf(all, l.accountOf, l.accounts)
	var ids []string
	var names []string
	for a := range l.accounts {
		ms := members.of(a)
		ids, names = ids[:0], names[:0]
		first := int32(l.groups)
		for _, i := range ms {
			c := &cands[i]
			ids = append(ids, c.ID)
			l.groupOf[i] = -1
			if c.Group == "" {
				continue
			}
			g := slices.Index(names, c.Group)
			if g < 0 {
				g = len(names)
				names = append(names, c.Group)
				l.groups++
			}
			l.groupOf[i] = first + int32(g)
		}
		slices.Sort(ids)
		for k := 1; k < len(ids); k++ {
			if ids[k] == ids[k-1] {
				return nil, errf(ErrInvalidValue, ids[k], "candidate of account %q listed twice", cands[ms[0]].Account)
			}
		}
	}
	l.byAccount = bucketsOf(all, recent, l.accounts)
	return l, nil
}

// greedyResult is one greedy plan, or why its minimums could not be met.
type greedyResult struct {
	plan ListeningPlan
	err  error
}

// greedy builds a plan: the minimums first, then the rest, each by the lazy
// greedy rule on value per cost (perCost) or on value alone.
func (l *listening) greedy(perCost bool) greedyResult {
	g := greedyState{l: l, perCost: perCost, inGroup: make([]int32, l.groups), inAccount: make([]int32, l.accounts),
		taken: make([]bool, len(l.cands)), left: l.opts.Budget}
	g.plan.RecentlyContacted = l.recent
	strata := slices.Sorted(maps.Keys(l.opts.Min))
	for _, s := range strata {
		need := l.opts.Min[s]
		if got := g.run(func(c *Candidate) bool { return c.Stratum == s }, need); got < need {
			return greedyResult{err: errf(ErrInfeasible, need, "minimum of stratum %q (%d invited within the budget and rules)", s, got)}
		}
	}
	g.run(nil, math.MaxInt)
	g.settle()
	return greedyResult{plan: g.plan}
}

// settle counts each group's invitations in falling order of value, which
// is what the set of them is worth: by value per cost, a group's cheaper
// candidate may have been chosen before a more valuable one.
func (g *greedyState) settle() {
	l := g.l
	at := make([]int32, len(g.plan.Invitations))
	for k := range at {
		at[k] = int32(k)
	}
	groupOf := make([]int32, len(g.plan.Invitations))
	for k, inv := range g.plan.Invitations {
		groupOf[k] = l.groupOf[inv.Index]
	}
	byGroup := bucketsOf(at, groupOf, l.groups)
	for gi := range l.groups {
		ks := byGroup.of(gi)
		slices.SortStableFunc(ks, func(a, b int32) int {
			return cmp.Compare(l.cands[g.plan.Invitations[b].Index].Value, l.cands[g.plan.Invitations[a].Index].Value)
		})
		for j, k := range ks {
			inv := &g.plan.Invitations[k]
			c := &l.cands[inv.Index]
			inv.Order, inv.Value = j, c.Value*l.decay(c.Evidence, j)
		}
	}
	g.plan.Value = 0
	for _, inv := range g.plan.Invitations {
		g.plan.Value += inv.Value
	}
	g.plan.ExpectedCost = g.plan.Cost
}

type greedyState struct {
	l         *listening
	perCost   bool
	inGroup   []int32
	inAccount []int32
	taken     []bool
	left      float64
	plan      ListeningPlan
}

// marginal is what candidate i would add now.
func (g *greedyState) marginal(i int32) (value float64, order int32) {
	c := &g.l.cands[i]
	if gi := g.l.groupOf[i]; gi >= 0 {
		order = g.inGroup[gi]
	}
	return c.Value * g.l.decay(c.Evidence, int(order)), order
}

// run invites up to limit candidates that pass keep (nil: all), greedily,
// and returns how many it invited.
func (g *greedyState) run(keep func(*Candidate) bool, limit int) int {
	l := g.l
	q := make(listenQueue, 0, len(l.eligible))
	cheapest := math.Inf(1)
	for _, i := range l.eligible {
		if g.taken[i] || (keep != nil && !keep(&l.cands[i])) {
			continue
		}
		if v, order := g.marginal(i); v > 0 {
			q = append(q, queued{index: i, order: order, value: v, key: g.key(i, v)})
			cheapest = min(cheapest, l.cost[i])
		}
	}
	q.init()
	if most := min(float64(len(q)), math.Floor(g.left/cheapest)); len(g.plan.Invitations)+int(most) > cap(g.plan.Invitations) {
		g.plan.Invitations = slices.Grow(g.plan.Invitations, int(most))
	}
	invited := 0
	full := int32(l.opts.Fatigue.MaxPerAccount)
	for len(q) > 0 && invited < limit && g.left >= cheapest {
		top := q[0]
		i := top.index
		if full > 0 && g.inAccount[l.accountOf[i]] >= full || l.cost[i] > g.left {
			q.pop() // its account is full, or it no longer fits: it never will
			continue
		}
		if v, order := g.marginal(i); order != top.order { // stale: its group gained an invitation
			if v == 0 {
				q.pop()
			} else {
				q[0] = queued{index: i, order: order, value: v, key: g.key(i, v)}
				q.down(0) // values only fall
			}
			continue
		}
		q.pop()
		c := &l.cands[i]
		g.taken[i] = true
		g.left -= l.cost[i]
		g.inAccount[l.accountOf[i]]++
		if gi := l.groupOf[i]; gi >= 0 {
			g.inGroup[gi]++
		}
		g.plan.Invitations = append(g.plan.Invitations, Invitation{Index: int(i), ID: c.ID, Account: c.Account, Stratum: c.Stratum,
			Order: int(top.order), Value: top.value, Prob: 1})
		g.plan.Cost += l.cost[i]
		invited++
	}
	return invited
}

func (g *greedyState) key(i int32, v float64) float64 {
	if g.perCost {
		return v / g.l.cost[i]
	}
	return v
}

// queued is a candidate in the greedy queue with the value it had when
// queued, at the group order it had then.
type queued struct {
	index, order int32
	value, key   float64
}

// listenQueue is a binary max-heap on key, ties to the candidate given
// first (container/heap's shape without its interface calls).
type listenQueue []queued

func (q listenQueue) less(a, b int) bool {
	x, y := &q[a], &q[b]
	return x.key > y.key || (x.key == y.key && x.index < y.index)
}

func (q listenQueue) init() {
	for i := len(q)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

func (q listenQueue) down(i int) {
	for {
		c := 2*i + 1
		if c >= len(q) {
			return
		}
		if r := c + 1; r < len(q) && q.less(r, c) {
			c = r
		}
		if !q.less(c, i) {
			return
		}
		q[i], q[c] = q[c], q[i]
		i = c
	}
}

func (q *listenQueue) pop() {
	h := *q
	last := len(h) - 1
	h[0] = h[last]
	*q = h[:last]
	q.down(0)
}
