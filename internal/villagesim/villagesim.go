// Package villagesim generates a deterministic synthetic customer base for
// examples, tests and benchmarks: accounts with a segment and ARR, contacts
// by persona in realistic numbers (many end users, few executives), people
// joining and leaving over time, and a hidden true health per account and
// persona that later stages (signals, renewals) are drawn from.
//
// The same Config always yields the same Base, bit for bit. Each account is
// drawn from its own random stream, seeded by (Seed, account index), so the
// first k accounts of a base of n are the accounts of a base of k.
package villagesim

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// Config describes the base to generate. The zero value of every field but
// Accounts has a sensible default.
type Config struct {
	Seed     uint64
	Accounts int
	// Catalog defaults to persona.B2B().
	Catalog *persona.Catalog
	// Start and End bound the simulated history: contacts join and leave
	// within it. End defaults to 2026-01-01 UTC, Start to two years before End.
	Start, End time.Time
	// ContactsPerPersona is the mean number of contacts of each persona in a
	// small account; mid-market accounts have 2.5 times as many, enterprise
	// accounts 6 times. It defaults to DefaultContactsPerPersona(); a
	// persona it does not list gets 1.
	ContactsPerPersona map[persona.ID]float64
	// Committees, when true, gives accounts buying committees that depart
	// from the catalog (persona.Account.Committee), drawn from a random
	// stream of their own so that the rest of the base does not change:
	// procurement holding a veto where the MSA needs its signature, finance
	// without one where the budget is pre-approved, a line-of-business
	// executive weighing more or less, end users out of the decision, and
	// the economic buyer, sponsor and champion named on contacts. The truth
	// and the renewals follow the committee's vetoes and weights.
	Committees bool
	// Traits, when true, gives accounts firmographic traits (industry,
	// employees) from a random stream of their own, for FitProfile.
	Traits bool
	// FitEffect is how much an account's fit to FitProfile moves its
	// renewal: the log-odds of renewing gain FitEffect per fit point. It
	// needs Traits; 0 means fit does not matter.
	FitEffect float64
	// Influence is how much more or less each persona's feeling moves the
	// renewal decision than its weight in the catalog (or the account's
	// committee) says: the simulated world's deciders are not the vendor's
	// guess of them. A persona it does not list has influence 1. It
	// defaults to DefaultInfluence(); a map of ones makes the catalog's
	// weights the truth.
	Influence map[persona.ID]float64
	// People, when true, gives each contact a hidden sentiment of their own
	// (Truth.People): their persona's, plus a lean of the spread their
	// answers have, drawn from a random stream of its own so that the rest
	// of the base does not change. A persona's feeling in the account is
	// then the mean of its members' there at End (the persona's own where
	// it has none), the health and renewals follow those, a veto holder
	// kills or caps by their own sentiment, and survey answers are drawn
	// around each person's sentiment, and so is each user's usage (Signals,
	// Respond): the account is a
	// finite population, so hearing its only finance executive tells all
	// there is to know about its finance view, up to their noise. Only the
	// personas with someone in the account at End weigh in its health.
	People bool
}

// DefaultInfluence returns how the simulated world departs from the B2B
// catalog's weights when renewals are decided, following DOMAIN.md: the
// line-of-business and finance executives decide most, end users and
// technical experts, who answer most surveys and produce the usage data,
// move the renewal little.
func DefaultInfluence() map[persona.ID]float64 {
	return map[persona.ID]float64{
		persona.LineOfBusiness:   1.6,
		persona.FinanceExecutive: 1.6,
		persona.EndUser:          0.25,
		persona.TechnicalExpert:  0.4,
	}
}

// FitProfile is the ideal customer profile the simulation's renewals
// follow (Config.FitEffect): regulated industries and larger companies fit,
// retail and very small companies do not.
func FitProfile() persona.FitProfile {
	return persona.FitProfile{
		Rules: []persona.FitRule{
			{Trait: "industry", Is: []string{"banking", "insurance", "healthcare"}, Points: 1, Reason: "regulated industry: needs the audit trail"},
			{Trait: "industry", Is: []string{"retail"}, Points: -1, Reason: "retail: buys on price"},
			{Trait: "employees", AtLeast: new(1000.0), Points: 1, Reason: "1,000+ employees"},
			{Trait: "employees", Below: new(50.0), Points: -1, Reason: "under 50 employees"},
		},
		Good: 1,
		Poor: -1,
	}
}

var industries = [...]string{"banking", "insurance", "healthcare", "retail", "software", "manufacturing", "logistics"}

// DefaultContactsPerPersona returns the mean contacts per persona of a small
// account in the B2B catalog: a crowd of end users and technicians, a handful
// of managers, and usually one executive or none.
func DefaultContactsPerPersona() map[persona.ID]float64 {
	return map[persona.ID]float64{
		persona.EndUser:           6,
		persona.TechnicalExpert:   1.6,
		persona.DepartmentManager: 1.2,
		persona.Champion:          0.6,
		persona.LineOfBusiness:    0.7,
		persona.FinanceExecutive:  0.6,
		persona.Procurement:       0.4,
		persona.CIO:               0.5,
		persona.Security:          0.45,
	}
}

// Segment sizes: how many times a small account's contacts each has, and
// the median ARR.
var segments = [...]struct {
	name   string
	share  float64
	scale  float64
	medARR float64
}{
	{"smb", 0.55, 1, 15_000},
	{"mid-market", 0.30, 2.5, 80_000},
	{"enterprise", 0.15, 6, 400_000},
}

// VetoBelow is the feeling below which a veto holder present in an account
// caps the account's true health at their own feeling.
const VetoBelow = 30

// Truth is what the simulation knows and a vendor never sees: how each
// persona in an account really feels, and so how healthy the account really
// is, on 0..100.
//
// Personas in one account share a mood, the value the account gets (Value),
// but diverge from it (end users may love the product while the budget
// holder doubts its value), and Health is the mean of the personas' feelings
// weighted by their effective weights (the catalog's, with the account's
// committee) times Config.Influence: the people who decide weigh most,
// which is the premise persona-aware scoring is built on, though not
// exactly as much as the catalog guesses; renewals are drawn from it. A veto
// holder with a contact in the account who feels below VetoBelow caps Health.
type Truth struct {
	Account string
	Health  float64
	// Value is the value the account as a whole gets from the product: the
	// shared mood every persona's feeling departs from, and what the usage
	// data reflect.
	Value float64
	// Persona holds each persona's true sentiment, indexed like the catalog.
	Persona []float64
	// People holds, with Config.People, each contact's own sentiment,
	// indexed like the account's contacts; nil otherwise.
	People []float64
}

// feeling returns how contact ci of persona pi feels: their own sentiment
// with Config.People, else their persona's.
func (t *Truth) feeling(ci, pi int) float64 {
	if t.People != nil {
		return t.People[ci]
	}
	return t.Persona[pi]
}

// Base is a generated customer base. Accounts and Truth are parallel.
type Base struct {
	// FitEffect is the Config's: what fit does to renewal.
	FitEffect float64
	Catalog   *persona.Catalog
	Start     time.Time
	End       time.Time
	Accounts  []persona.Account
	Truth     []Truth
}

// Generate builds a base from cfg. It fails only on an invalid Config.
func Generate(cfg Config) (*Base, error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	b := &Base{
		FitEffect: cfg.FitEffect,
		Catalog:   cfg.Catalog,
		Start:     cfg.Start,
		End:       cfg.End,
		Accounts:  make([]persona.Account, cfg.Accounts),
		Truth:     make([]Truth, cfg.Accounts),
	}
	for i := range cfg.Accounts {
		b.Accounts[i], b.Truth[i] = genAccount(&cfg, i)
	}
	return b, nil
}

// Stream generates the same accounts as Generate, with the signals
// Base.Signals would give them, one account at a time, so that a base far
// larger than memory can be fed to a scorer. It fails only on an invalid Config.
func Stream(cfg Config, sig SignalConfig) (iter.Seq2[persona.Account, []scoring.Signal], error) {
	if err := cfg.normalise(); err != nil {
		return nil, err
	}
	sig.normalise()
	return func(yield func(persona.Account, []scoring.Signal) bool) {
		for i := range cfg.Accounts {
			acct, truth := genAccount(&cfg, i)
			if !yield(acct, accountSignals(&acct, &truth, cfg.Catalog, cfg.End, &sig, i)) {
				return
			}
		}
	}, nil
}

// normalise fills in the defaults and checks the config.
func (cfg *Config) normalise() error {
	if cfg.Accounts < 0 {
		return fmt.Errorf("villagesim: Accounts = %d, want >= 0", cfg.Accounts)
	}
	if cfg.Catalog == nil {
		cfg.Catalog = persona.B2B()
	}
	if cfg.End.IsZero() {
		cfg.End = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Start.IsZero() {
		cfg.Start = cfg.End.AddDate(-2, 0, 0)
	}
	if !cfg.Start.Before(cfg.End) {
		return fmt.Errorf("villagesim: Start %v is not before End %v", cfg.Start, cfg.End)
	}
	if cfg.FitEffect != 0 && !cfg.Traits {
		return fmt.Errorf("villagesim: FitEffect %v needs Traits", cfg.FitEffect)
	}
	if cfg.ContactsPerPersona == nil {
		cfg.ContactsPerPersona = DefaultContactsPerPersona()
	}
	if cfg.Influence == nil {
		cfg.Influence = DefaultInfluence()
	}
	for id, x := range cfg.Influence {
		if !(x >= 0) || math.IsInf(x, 0) {
			return fmt.Errorf("villagesim: Influence of %s = %v, want a finite number >= 0", id, x)
		}
	}
	return nil
}

func genAccount(cfg *Config, i int) (persona.Account, Truth) {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
	seg := segments[len(segments)-1]
	u := rng.Float64()
	for _, s := range segments {
		if u < s.share {
			seg = s
			break
		}
		u -= s.share
	}
	id := fmt.Sprintf("acct-%05d", i)
	acct := persona.Account{
		ID:      id,
		Name:    companyName(rng),
		Segment: seg.name,
		ARR:     math.Round(seg.medARR * math.Exp(0.5*rng.NormFloat64())),
		Renewal: cfg.End.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(24 * time.Hour),
	}
	mood := 66 + 12*rng.NormFloat64()
	truth := Truth{Account: id, Value: mood, Persona: make([]float64, cfg.Catalog.Len())}
	span := cfg.End.Sub(cfg.Start)
	for pi, p := range cfg.Catalog.Personas() {
		truth.Persona[pi] = clamp(mood+15*rng.NormFloat64(), 0, 100)
		mean, ok := cfg.ContactsPerPersona[p.ID]
		if !ok {
			mean = 1
		}
		n := poisson(rng, mean*seg.scale)
		for k := range n {
			c := persona.Contact{
				ID:      fmt.Sprintf("%s-%s-%d", id, p.ID, k),
				Account: id,
				Persona: p.ID,
				Title:   string(p.Name),
			}
			// Most people were there before the window; a third joined during it.
			if rng.Float64() < 0.33 {
				c.Joined = cfg.Start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(24 * time.Hour)
			} else {
				c.Joined = cfg.Start.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))).Truncate(24 * time.Hour)
			}
			// A quarter leave, after a tenure of a year and a half on average.
			if rng.Float64() < 0.25 {
				tenure := time.Duration(rng.ExpFloat64() * float64(540*24*time.Hour))
				if left := c.Joined.Add(tenure).Truncate(24 * time.Hour); left.After(c.Joined) && left.Before(cfg.End) {
					c.Left = left
				}
			}
			acct.Contacts = append(acct.Contacts, c)
		}
	}
	if cfg.Committees {
		acct.Committee = drawCommittee(cfg, i, &acct)
	}
	if cfg.Traits {
		trng := rand.New(rand.NewPCG(cfg.Seed^0x747261697473, uint64(i)))
		employees := math.Round(20 * seg.scale * seg.scale * math.Exp(1.2*trng.NormFloat64()))
		acct.Traits = map[string]string{
			"industry":  industries[trng.IntN(len(industries))],
			"employees": strconv.FormatFloat(max(employees, 1), 'f', 0, 64),
		}
	}
	feel := truth.Persona
	var present []bool
	if cfg.People {
		feel, present = drawPeople(cfg, i, &acct, &truth)
	}
	weights, _ := acct.EffectiveWeightsAt(cfg.Catalog, cfg.End)
	total := 0.0
	for pi, p := range cfg.Catalog.Personas() {
		w := weights[pi]
		if present != nil && !present[pi] && slices.Contains(present, true) {
			w = 0 // with People, the personas with nobody in the account do not decide its renewal
		}
		if x, ok := cfg.Influence[p.ID]; ok {
			w *= x
		}
		truth.Health += w * feel[pi]
		total += w
	}
	if total > 0 {
		truth.Health /= total
	}
	// A veto holder who is in the account and unhappy caps its health.
	for ci, c := range acct.Contacts {
		veto, _ := acct.VetoAt(cfg.Catalog, c.Persona, cfg.End)
		if pi, _ := cfg.Catalog.Index(c.Persona); veto && (!cfg.People || c.ActiveAt(cfg.End)) && truth.feeling(ci, pi) < VetoBelow {
			truth.Health = math.Min(truth.Health, truth.feeling(ci, pi))
		}
	}
	return acct, truth
}

// drawPeople gives account i's contacts their own sentiments (Config.People)
// from a stream of their own and returns each persona's feeling in the
// account, the mean of its members' at cfg.End (the persona's where it has
// none there), and whether it has any.
func drawPeople(cfg *Config, i int, acct *persona.Account, truth *Truth) (feel []float64, present []bool) {
	rng := rand.New(rand.NewPCG(cfg.Seed^0x70656f706c65, uint64(i)))
	truth.People = make([]float64, len(acct.Contacts))
	sum := make([]float64, len(truth.Persona))
	n := make([]int, len(truth.Persona))
	for ci, c := range acct.Contacts {
		pi, _ := cfg.Catalog.Index(c.Persona)
		truth.People[ci] = clamp(truth.Persona[pi]+answerSpread(c.Persona)*rng.NormFloat64(), 0, 100)
		if c.ActiveAt(cfg.End) {
			sum[pi] += truth.People[ci]
			n[pi]++
		}
	}
	feel, present = make([]float64, len(truth.Persona)), make([]bool, len(truth.Persona))
	for pi := range feel {
		feel[pi] = truth.Persona[pi]
		if n[pi] > 0 {
			feel[pi], present[pi] = sum[pi]/float64(n[pi]), true
		}
	}
	return feel, present
}

// drawCommittee draws account i's committee from a stream of its own.
// Seats start at some time in the simulated history; some have ended by
// its end, so that scoring has seats out of force to ignore.
func drawCommittee(cfg *Config, i int, acct *persona.Account) []persona.Seat {
	rng := rand.New(rand.NewPCG(cfg.Seed^0x636f6d6d69747465, uint64(i)))
	span := cfg.End.Sub(cfg.Start)
	from := func() time.Time {
		return cfg.Start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(24 * time.Hour)
	}
	var seats []persona.Seat
	seat := func(kind persona.SeatKind, p persona.ID, weight float64, note string) {
		s := persona.Seat{Kind: kind, Persona: p, Weight: weight, From: from(), Note: note}
		if rng.Float64() < 0.2 { // ended before the end of the history
			s.Until = s.From.Add(time.Duration(rng.Int64N(int64(cfg.End.Sub(s.From))))).Truncate(24 * time.Hour).Add(24 * time.Hour)
		}
		seats = append(seats, s)
	}
	if rng.Float64() < 0.25 {
		seat(persona.SeatVeto, persona.Procurement, 0, "MSA requires procurement sign-off")
	}
	if rng.Float64() < 0.15 {
		seat(persona.SeatNoVeto, persona.FinanceExecutive, 0, "budget pre-approved")
	}
	if rng.Float64() < 0.3 {
		lob, _ := cfg.Catalog.Persona(persona.LineOfBusiness)
		seat(persona.SeatWeight, persona.LineOfBusiness, math.Round(100*lob.Weight*math.Exp2(2*rng.Float64()-1))/100, "")
	}
	if rng.Float64() < 0.05 {
		seat(persona.SeatWeight, persona.EndUser, 0, "a platform team uses it, not end users")
	}
	for _, role := range [...]struct {
		p    persona.ID
		role persona.Role
		odds float64
	}{
		{persona.FinanceExecutive, persona.RoleEconomicBuyer, 0.6},
		{persona.LineOfBusiness, persona.RoleSponsor, 0.5},
		{persona.Champion, persona.RoleChampion, 0.5},
	} {
		for _, c := range acct.Contacts {
			if c.Persona == role.p {
				if rng.Float64() < role.odds {
					seats = append(seats, persona.Seat{Kind: persona.SeatRole, Contact: c.ID, Role: role.role, From: c.Joined})
				}
				break
			}
		}
	}
	return seats
}

// poisson draws from a Poisson distribution by Knuth's multiplication method,
// which is exact and fast for the small means used here.
func poisson(rng *rand.Rand, mean float64) int {
	limit, k, p := math.Exp(-mean), 0, rng.Float64()
	for p > limit {
		k++
		p *= rng.Float64()
	}
	return k
}

func clamp(x, lo, hi float64) float64 { return math.Min(math.Max(x, lo), hi) }

var (
	nameFirst = []string{"Acme", "Blue", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel", "Lumen", "Maple", "Nimbus", "Orchid", "Pioneer", "Quartz", "Riverside", "Summit", "Tidal"}
	nameLast  = []string{"Logistics", "Health", "Foods", "Systems", "Manufacturing", "Retail", "Energy", "Labs", "Partners", "Freight", "Clinics", "Insurance"}
)

func companyName(rng *rand.Rand) string {
	return nameFirst[rng.IntN(len(nameFirst))] + " " + nameLast[rng.IntN(len(nameLast))]
}
