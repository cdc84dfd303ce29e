package scoring_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/villagecx/village/persona"
	"github.com/villagecx/village/scoring"
	"github.com/villagecx/village/scoring/scoringtest"
)

// withCatalogVeto returns the B2B catalog with p's veto set to veto, for
// the independent path a veto seat must agree with.
func withCatalogVeto(t *testing.T, p persona.ID, veto bool) *persona.Catalog {
	t.Helper()
	b2b := persona.B2B()
	var ps []persona.Persona
	for _, per := range b2b.Personas() {
		if per.ID == p {
			per.Veto = veto
		}
		ps = append(ps, per)
	}
	cat, err := persona.NewCatalog(b2b.Groups(), ps)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// A seat is the same as changing the model or the catalog for that one
// account: scored with a weight seat, an account gets bit for bit the
// Result it gets from a model whose PersonaWeight says the same (a code path
// that Compile validates and precomputes), and with a veto seat the Result
// of a catalog giving the persona that veto. Only Committee differs.
func TestSeatsEqualModelAndCatalog(t *testing.T) {
	cat := persona.B2B()
	cases := scoringtest.VillageCases(120, 11)
	ignore := cmpopts.IgnoreFields(scoring.Result{}, "Committee")
	for _, tc := range []struct {
		name  string
		seat  persona.Seat
		model func(*scoring.Model)
		cat   *persona.Catalog
	}{
		{"weight seat", persona.Seat{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 1.3},
			func(m *scoring.Model) {
				for i := range m.Personas {
					if m.Personas[i].Persona == persona.LineOfBusiness {
						m.Personas[i].Weight = new(1.3)
					}
				}
			}, cat},
		{"zero weight seat", persona.Seat{Kind: persona.SeatWeight, Persona: persona.EndUser, Weight: 0},
			func(m *scoring.Model) {
				for i := range m.Personas {
					if m.Personas[i].Persona == persona.EndUser {
						m.Personas[i].Weight = new(0.0)
					}
				}
			}, cat},
		{"veto seat", persona.Seat{Kind: persona.SeatVeto, Persona: persona.Procurement}, nil, withCatalogVeto(t, persona.Procurement, true)},
		{"no-veto seat", persona.Seat{Kind: persona.SeatNoVeto, Persona: persona.FinanceExecutive}, nil, withCatalogVeto(t, persona.FinanceExecutive, false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seated := mustCompile(t, scoring.DefaultModel(cat), cat)
			m := scoring.DefaultModel(tc.cat)
			if tc.model != nil {
				tc.model(&m)
			}
			changed := mustCompile(t, m, tc.cat)
			differs := 0
			for _, c := range cases {
				plain := c.Account
				plain.Committee = nil
				want, err := changed.Score(plain, c.Signals, c.At)
				if err != nil {
					t.Fatal(err)
				}
				acct := c.Account
				acct.Committee = []persona.Seat{tc.seat}
				got, err := seated.Score(acct, c.Signals, c.At)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got, ignore, cmpopts.IgnoreUnexported(scoring.Result{}), cmpopts.EquateNaNs()); diff != "" {
					t.Fatalf("%s: seated result differs (-model +seat):\n%s", c.Name, diff)
				}
				if len(got.Committee) != 1 || got.Committee[0] != tc.seat {
					t.Errorf("%s: Committee = %v", c.Name, got.Committee)
				}
				if base, _ := seated.Score(plain, c.Signals, c.At); !cmp.Equal(base, got, ignore, cmpopts.IgnoreUnexported(scoring.Result{}), cmpopts.EquateNaNs()) {
					differs++
				}
			}
			if differs == 0 {
				t.Error("the seat changed no account's result: the test would pass without seats being applied")
			}
		})
	}
}

// Seats not in force at the scoring time change nothing and are not listed.
func TestSeatsOutOfForceChangeNothing(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	for _, c := range scoringtest.VillageCases(40, 3) {
		acct := c.Account
		acct.Committee = []persona.Seat{
			{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 5, From: c.At.Add(day)},
			{Kind: persona.SeatVeto, Persona: persona.Procurement, Until: c.At},
			{Kind: "not applied, so not checked", Persona: "nobody", Until: c.At.Add(-day)},
		}
		got, err := s.Score(acct, c.Signals, c.At)
		if err != nil {
			t.Fatal(err)
		}
		acct.Committee = nil
		want, _ := s.Score(acct, c.Signals, c.At)
		if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(scoring.Result{}), cmpopts.EquateEmpty(), cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("%s (-none +out of force):\n%s", c.Name, diff)
		}
	}
}

// DOMAIN.md, issue 19: "the cast is fixed per model, not per account". With
// committees, procurement's worst answers veto only where the MSA gives it
// a seat, and finance's do not where the budget is pre-approved.
func TestCommitteeDecidesWhoCanVeto(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "buyer", Persona: persona.Procurement},
		{ID: "cfo", Persona: persona.FinanceExecutive},
		{ID: "dana", Persona: persona.LineOfBusiness},
	}}
	happy := []scoring.Signal{
		{Contact: "dana", Metric: "nps", Value: 10, At: t0.Add(-10 * day)},
		{Contact: "dana", Metric: "csat", Value: 5, At: t0.Add(-10 * day)},
	}
	worst := func(contact string) []scoring.Signal {
		return []scoring.Signal{
			{Contact: contact, Metric: "nps", Value: 0, At: t0.Add(-5 * day)},
			{Contact: contact, Metric: "csat", Value: 1, At: t0.Add(-6 * day)},
			{Contact: contact, Metric: "ces", Value: 7, At: t0.Add(-7 * day)},
		}
	}
	msa := persona.Seat{Kind: persona.SeatVeto, Persona: persona.Procurement, From: t0.Add(-90 * day), Note: "MSA requires procurement sign-off"}
	preapproved := persona.Seat{Kind: persona.SeatNoVeto, Persona: persona.FinanceExecutive, Note: "budget pre-approved"}
	for _, tc := range []struct {
		name      string
		committee []persona.Seat
		angry     string
		veto      persona.ID // "": no veto applied
	}{
		{"procurement without a seat cannot veto", nil, "buyer", ""},
		{"procurement with the MSA's seat vetoes", []persona.Seat{msa}, "buyer", persona.Procurement},
		{"finance vetoes by the catalog", nil, "cfo", persona.FinanceExecutive},
		{"finance with the budget pre-approved does not", []persona.Seat{preapproved}, "cfo", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := acct
			a.Committee = tc.committee
			r, err := s.Score(a, append(worst(tc.angry), happy...), t0)
			if err != nil {
				t.Fatal(err)
			}
			if tc.veto == "" && r.Veto.Applied || tc.veto != "" && (!r.Veto.Applied || r.Veto.Persona != tc.veto) {
				t.Fatalf("veto = %+v, want %q applied\n%s", r.Veto, tc.veto, r)
			}
			// Three worst answers from one person: N = 1/(1/4 + 1/16 + 1/16)
			// = 8/3, shrunk score 2*50/(8/3 + 2) = 21.43 caps the account.
			if tc.veto != "" {
				near(t, "score", r.Score, 100/(8.0/3+2), 1e-9)
			}
			for _, seat := range tc.committee {
				if !strings.Contains(r.String(), "committee: "+seat.String()) {
					t.Errorf("Explain does not show the seat %q:\n%s", seat, r)
				}
			}
		})
	}
}

// A seat in force that cannot be applied is an error, never a silent
// fallback to the model's village.
func TestInvalidSeatInForceIsAnError(t *testing.T) {
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "cfo", Persona: persona.FinanceExecutive}}}
	sigs := []scoring.Signal{{Contact: "cfo", Metric: "nps", Value: 9, At: t0.Add(-day)}}
	var none []persona.Seat
	for _, p := range cat.Personas() {
		none = append(none, persona.Seat{Kind: persona.SeatWeight, Persona: p.ID, Weight: 0})
	}
	for _, tc := range []struct {
		name      string
		committee []persona.Seat
	}{
		{"unknown kind", []persona.Seat{{Kind: "boss", Persona: persona.CIO}}},
		{"unknown persona", []persona.Seat{{Kind: persona.SeatVeto, Persona: "king"}}},
		{"negative weight", []persona.Seat{{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: -1}}},
		{"two weights at once", []persona.Seat{{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 1}, {Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 2}}},
		{"veto granted and withdrawn at once", []persona.Seat{{Kind: persona.SeatVeto, Persona: persona.CIO}, {Kind: persona.SeatNoVeto, Persona: persona.CIO}}},
		{"role on a contact not in the account", []persona.Seat{{Kind: persona.SeatRole, Contact: "ghost", Role: persona.RoleSponsor}}},
		{"no persona left with weight", none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := acct
			a.Committee = tc.committee
			_, err := s.Score(a, sigs, t0)
			if !errors.Is(err, persona.ErrInvalidSeat) {
				t.Fatalf("err = %v, want ErrInvalidSeat", err)
			}
			if !strings.Contains(err.Error(), `account "acme"`) {
				t.Errorf("error does not name the account: %v", err)
			}
		})
	}
}

// An event can name a committee role instead of a persona: "the economic
// buyer left". The role is the one held when they left; a contact whose
// role seat had ended before does not count.
func TestRoleEvents(t *testing.T) {
	cat := persona.B2B()
	m := scoring.DefaultModel(cat)
	m.Events = []scoring.Event{{Kind: scoring.EventLeft, Role: persona.RoleEconomicBuyer, Within: scoring.Duration(120 * day), Points: -6}}
	s := mustCompile(t, m, cat)
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{
		{ID: "cfo", Persona: persona.FinanceExecutive, Left: t0.Add(-41 * day)},
		{ID: "vp", Persona: persona.LineOfBusiness},
	}}
	sigs := []scoring.Signal{{Contact: "vp", Metric: "nps", Value: 9, At: t0.Add(-day)}}
	for _, tc := range []struct {
		name   string
		seat   persona.Seat
		points float64
	}{
		{"held the role when they left", persona.Seat{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer, Until: t0.Add(-41 * day)}, -6},
		{"role ended before they left", persona.Seat{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer, Until: t0.Add(-60 * day)}, 0},
		{"another role", persona.Seat{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleSponsor}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := acct
			a.Committee = []persona.Seat{tc.seat}
			r, err := s.Score(a, sigs, t0)
			if err != nil {
				t.Fatal(err)
			}
			var points float64
			for _, term := range r.Terms {
				points += term.Points
			}
			if points != tc.points {
				t.Fatalf("terms %+v, want %v points", r.Terms, tc.points)
			}
			if tc.points != 0 && !strings.Contains(r.String(), "-6.0  economic-buyer (finance-exec) left 41 days ago") {
				t.Errorf("Explain:\n%s", r)
			}
			if diff := r.Sum() - r.Score; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("Sum %v != Score %v", r.Sum(), r.Score)
			}
		})
	}
	bad := m
	bad.Events = []scoring.Event{{Kind: scoring.EventLeft, Role: persona.RoleSponsor, Persona: persona.CIO, Within: scoring.Duration(day)}}
	if _, err := scoring.Compile(bad, cat); !errors.Is(err, scoring.ErrInvalidValue) {
		t.Errorf("an event naming a persona and a role compiled: %v", err)
	}
	bad.Events = []scoring.Event{{Kind: scoring.EventLeft, Role: persona.Role(99), Within: scoring.Duration(day)}}
	if _, err := scoring.Compile(bad, cat); !errors.Is(err, persona.ErrInvalidRole) {
		t.Errorf("an event naming an unknown role compiled: %v", err)
	}
}

// Scoring with a persona seat in force allocates nothing once the Result
// has grown: the account's village is kept in the Result's scratch space.
func TestScoreIntoWithSeatsAllocatesNothing(t *testing.T) {
	skipAllocationCountUnderRace(t)
	cat := persona.B2B()
	s := mustCompile(t, scoring.DefaultModel(cat), cat)
	c := scoringtest.VillageCases(1, 5)[0]
	acct := c.Account
	acct.Committee = append(acct.Committee,
		persona.Seat{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 0.9},
		persona.Seat{Kind: persona.SeatVeto, Persona: persona.DepartmentManager})
	var r scoring.Result
	if err := s.ScoreInto(&r, acct, c.Signals, c.At); err != nil {
		t.Fatal(err)
	}
	if allocs := testing.AllocsPerRun(100, func() { s.ScoreInto(&r, acct, c.Signals, c.At) }); allocs != 0 {
		t.Errorf("%v allocations per ScoreInto, want 0", allocs)
	}
}
