package villagesim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
)

// SignalConfig describes the signals to generate for a base.
type SignalConfig struct {
	// Seed seeds the signals' random streams, independently of the base's.
	Seed uint64
	// ResponseRate is each persona's chance of answering one survey wave; a
	// persona it does not list answers with probability 0.2. It defaults to
	// DefaultResponseRates(): end users and technicians answer far more often
	// than executives, the bias that persona-aware scoring corrects.
	ResponseRate map[persona.ID]float64
	// BadRate is the share of signals spoiled on purpose (a value off the
	// scale, an unknown metric, a stranger as contact), to exercise the paths
	// that drop signals. 0 means none.
	BadRate float64
}

// DefaultResponseRates returns each B2B persona's chance of answering a
// relationship survey wave.
func DefaultResponseRates() map[persona.ID]float64 {
	return map[persona.ID]float64{
		persona.EndUser:           0.35,
		persona.TechnicalExpert:   0.45,
		persona.Champion:          0.40,
		persona.DepartmentManager: 0.20,
		persona.LineOfBusiness:    0.06,
		persona.FinanceExecutive:  0.05,
		persona.Procurement:       0.06,
		persona.CIO:               0.07,
		persona.Security:          0.08,
	}
}

// How the signals measure the truth (see Signals).
const (
	// surveySpread is the spread of a person's answers around their
	// persona's feeling (their leaning and each answer's noise); the
	// answers of end users and technical experts, heavyUserSurveySpread,
	// say more about their own day than about the account.
	surveySpread, heavyUserSurveySpread = 8.0, 12.0
	// usageSpread is the spread of usage around the account's value;
	// usage is the share of the product in use, usageFloor + usageSlope *
	// adoption percent: 5% to 55%, not 0 to 100%.
	usageSpread, usageFloor, usageSlope = 6.0, 5.0, 0.5
)

// Signals generates each account's signals over the year before b.End, in
// the metrics of scoring.DefaultModel:
//
//   - "nps": a relationship survey every quarter, answered by each active
//     contact with their persona's response rate;
//   - "csat": a rating after each support ticket, opened mostly by end users
//     and technical experts;
//   - "usage": the share of the product a user actively uses, read once a
//     quarter for end users and technical experts over the last half year.
//
// Each survey answer is the person's persona's true sentiment (Base.Truth)
// plus the person's own leaning and noise, wider for end users and technical
// experts, whose answers say as much about their own day as about the
// account. Usage follows the value the account as a whole gets (Truth.Value),
// on a share of 5% to 55%. So the signals are honest but partial, and not
// equally telling: what the catalog's weights cannot know and calibration
// can learn. The result is indexed like b.Accounts; the same b and cfg give
// the same signals.
func (b *Base) Signals(cfg SignalConfig) [][]scoring.Signal {
	cfg.normalise()
	out := make([][]scoring.Signal, len(b.Accounts))
	for i := range b.Accounts {
		out[i] = accountSignals(&b.Accounts[i], &b.Truth[i], b.Catalog, b.End, &cfg, i)
	}
	return out
}

func (cfg *SignalConfig) normalise() {
	if cfg.ResponseRate == nil {
		cfg.ResponseRate = DefaultResponseRates()
	}
}

// accountSignals generates the signals of account i, from its own random stream.
func accountSignals(acct *persona.Account, truth *Truth, cat *persona.Catalog, end time.Time, cfg *SignalConfig, i int) []scoring.Signal {
	rng := rand.New(rand.NewPCG(cfg.Seed, 1<<32|uint64(i)))
	year := 365 * 24 * time.Hour
	var sigs []scoring.Signal
	emit := func(c *persona.Contact, metric string, value float64, at time.Time) {
		s := scoring.Signal{Account: acct.ID, Contact: c.ID, Metric: metric, Value: value, At: at, Source: "villagesim"}
		if cfg.BadRate > 0 && rng.Float64() < cfg.BadRate {
			switch rng.IntN(3) {
			case 0:
				s.Value = -1
			case 1:
				s.Metric = "mood"
			default:
				s.Contact = "stranger"
			}
		}
		sigs = append(sigs, s)
	}
	for ci := range acct.Contacts {
		c := &acct.Contacts[ci]
		pi, _ := cat.Index(c.Persona)
		heavyUser := c.Persona == persona.EndUser || c.Persona == persona.TechnicalExpert
		// This person's own leaning, in spreads: each answer is their
		// persona's feeling, or for usage the account's value, plus spread
		// times (leaning + noise). With Config.People the person's own
		// sentiment takes the place of persona + leaning in their answers
		// and of the account's value in their usage.
		bias := rng.NormFloat64()
		spread := answerSpread(c.Persona)
		feel := func() float64 { return clamp(truth.Persona[pi]+spread*(bias+rng.NormFloat64()), 0, 100) }
		adoption := func() float64 { return clamp(truth.Value+usageSpread*(bias+rng.NormFloat64()), 0, 100) }
		if truth.People != nil {
			// A person's answers and their own use of the product follow
			// their own sentiment: usage tells about its users, not about
			// the account's deciders.
			feel = func() float64 { return clamp(truth.People[ci]+spread*rng.NormFloat64(), 0, 100) }
			adoption = func() float64 { return clamp(truth.People[ci]+usageSpread*rng.NormFloat64(), 0, 100) }
		}

		rate, ok := cfg.ResponseRate[c.Persona]
		if !ok {
			rate = 0.2
		}
		for wave := 4; wave >= 1; wave-- {
			at := end.Add(-time.Duration(wave) * year / 4).Add(time.Duration(rng.Int64N(int64(14 * 24 * time.Hour))))
			if c.ActiveAt(at) && rng.Float64() < rate {
				emit(c, "nps", npsAnswer(feel()), at)
			}
		}
		tickets := 0.3
		if heavyUser {
			tickets = 1.2
		}
		for range poisson(rng, tickets) {
			at := end.Add(-time.Duration(rng.Int64N(int64(year))))
			if c.ActiveAt(at) {
				emit(c, "csat", math.Round(1+4*feel()/100), at)
			}
		}
		if heavyUser {
			for q := 2; q >= 1; q-- {
				at := end.Add(-time.Duration(q) * year / 4)
				if c.ActiveAt(at) {
					emit(c, "usage", math.Round(usageFloor+usageSlope*adoption())/100, at)
				}
			}
		}
	}
	// Shuffle so that consumers cannot rely on any order.
	rng.Shuffle(len(sigs), func(a, b int) { sigs[a], sigs[b] = sigs[b], sigs[a] })
	return sigs
}

// answerSpread is the spread of a person's answers around their persona's
// feeling, from their leaning and from each answer's noise alike.
func answerSpread(p persona.ID) float64 {
	if p == persona.EndUser || p == persona.TechnicalExpert {
		return heavyUserSurveySpread
	}
	return surveySpread
}

// npsAnswer is the NPS answer (1..10) of someone feeling feel on 0..100.
func npsAnswer(feel float64) float64 { return math.Round(1 + 9*feel/100) }

// InvitedResponseRates returns each B2B persona's chance of answering a
// personal invitation (Respond): higher than a survey wave's
// (DefaultResponseRates), since someone asked in person answers more
// often, and still lower for executives than for users.
func InvitedResponseRates() map[persona.ID]float64 {
	return map[persona.ID]float64{
		persona.EndUser:           0.6,
		persona.TechnicalExpert:   0.6,
		persona.Champion:          0.65,
		persona.DepartmentManager: 0.5,
		persona.LineOfBusiness:    0.35,
		persona.FinanceExecutive:  0.3,
		persona.Procurement:       0.35,
		persona.CIO:               0.35,
		persona.Security:          0.4,
	}
}

// Respond answers a wave of invitations to contacts of account i, as the
// simulated people would: each invited contact active at time at answers
// with their persona's rate (nil rates: InvitedResponseRates; a persona not
// listed answers with probability 0.2) an NPS question, the answer drawn
// around their own sentiment with the noise of one answer, dated at. It
// needs a base generated with Config.People. Each contact's answer comes
// from a random stream of its own, so it does not depend on who else was
// invited; the same seed gives the same answers. Contacts not in the
// account are an error.
func (b *Base) Respond(i int, invited []string, at time.Time, rates map[persona.ID]float64, seed uint64) ([]scoring.Signal, error) {
	truth := &b.Truth[i]
	if truth.People == nil {
		return nil, fmt.Errorf("villagesim: Respond needs a base generated with People")
	}
	if rates == nil {
		rates = InvitedResponseRates()
	}
	acct := &b.Accounts[i]
	var out []scoring.Signal
	for _, id := range invited {
		ci := slices.IndexFunc(acct.Contacts, func(c persona.Contact) bool { return c.ID == id })
		if ci < 0 {
			return nil, fmt.Errorf("villagesim: account %s has no contact %q", acct.ID, id)
		}
		c := &acct.Contacts[ci]
		rng := rand.New(rand.NewPCG(seed^0x726573706f6e64, uint64(i)<<24|uint64(ci)))
		rate, ok := rates[c.Persona]
		if !ok {
			rate = 0.2
		}
		if !c.ActiveAt(at) || rng.Float64() >= rate {
			continue
		}
		feel := clamp(truth.People[ci]+answerSpread(c.Persona)*rng.NormFloat64(), 0, 100)
		out = append(out, scoring.Signal{Account: acct.ID, Contact: c.ID, Metric: "nps", Value: npsAnswer(feel), At: at, Source: "villagesim-wave"})
	}
	return out, nil
}

// DecisionLag is how long after Base.End renewals are decided (Renewals,
// RenewalProbability).
const DecisionLag = 30 * 24 * time.Hour

// Renewal effects beyond health, as DOMAIN.md describes the decision.
const (
	// KillBelow: a veto holder in the account at the decision who feels
	// below it kills the renewal on their own, nine times in ten.
	KillBelow = 20
	// ChampionWindow and ChampionLeft: a champion who left within the window
	// before the decision takes ChampionLeft off the log-odds of renewal.
	ChampionWindow = 120 * 24 * time.Hour
	ChampionLeft   = 1.2
	// NewDeciderWindow and NewDecider: a line-of-business or finance
	// executive who joined within the window before the decision takes
	// NewDecider off the log-odds: they buy for reasons of their own, and
	// the vendor has to win them over (DOMAIN.md's trigger).
	NewDeciderWindow = 365 * 24 * time.Hour
	NewDecider       = 0.8
)

// IsNewDecider reports whether c is a line-of-business or finance executive
// in the account at the decision who joined within NewDeciderWindow before it.
func IsNewDecider(c persona.Contact, decision time.Time) bool {
	return (c.Persona == persona.LineOfBusiness || c.Persona == persona.FinanceExecutive) &&
		c.ActiveAt(decision) && decision.Sub(c.Joined) <= NewDeciderWindow
}

// RenewalProbability is account i's chance of renewing, decided
// DecisionLag after b.End, the way DOMAIN.md says decisions are made:
//
//   - the log-odds are (Health - 50)/6: the true health, in which the
//     deciders (finance and line-of-business executives) weigh most and end
//     users, who answer most surveys and produce the usage data, little (the
//     catalog's effective weights times Config.Influence), capped by an
//     unhappy veto holder;
//   - a champion who left within ChampionWindow before the decision lowers
//     the log-odds by ChampionLeft: the relationship lost its advocate;
//   - a new decider (IsNewDecider) lowers them by NewDecider;
//   - with a FitEffect, each point of the account's fit to FitProfile adds
//     FitEffect to the log-odds;
//   - a veto holder in the account at the decision (by the catalog, or by
//     the account's committee then) who feels below KillBelow kills the
//     renewal alone, nine times in ten.
func (b *Base) RenewalProbability(i int) float64 {
	decision := b.End.Add(DecisionLag)
	logit := (b.Truth[i].Health - 50) / 6
	acct := &b.Accounts[i]
	for _, c := range acct.Contacts {
		if c.Persona == persona.Champion && c.LeftWithin(decision, ChampionWindow) {
			logit -= ChampionLeft
			break
		}
	}
	for _, c := range acct.Contacts {
		if IsNewDecider(c, decision) {
			logit -= NewDecider
			break
		}
	}
	if b.FitEffect != 0 {
		fit := FitProfile()
		logit += b.FitEffect * fit.Score(acct)
	}
	p := 1 / (1 + math.Exp(-logit))
	for ci, c := range acct.Contacts {
		pi, _ := b.Catalog.Index(c.Persona)
		if veto, _ := acct.VetoAt(b.Catalog, c.Persona, decision); veto && c.ActiveAt(decision) && b.Truth[i].feeling(ci, pi) < KillBelow {
			return p / 10
		}
	}
	return p
}

// Renewals draws each account's renewal outcome with RenewalProbability.
// The result is indexed like b.Accounts; the same seed gives the same
// outcomes.
func (b *Base) Renewals(seed uint64) []bool {
	out := make([]bool, len(b.Accounts))
	for i := range b.Accounts {
		rng := rand.New(rand.NewPCG(seed, 2<<32|uint64(i)))
		out[i] = rng.Float64() < b.RenewalProbability(i)
	}
	return out
}
