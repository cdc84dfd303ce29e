package persona_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/villagecx/village/persona"
)

func TestCommitteeValidate(t *testing.T) {
	mar1 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	base := func(seats ...persona.Seat) persona.Account {
		return persona.Account{ID: "acme", Contacts: []persona.Contact{
			{ID: "cfo", Persona: persona.FinanceExecutive},
			{ID: "vp", Persona: persona.LineOfBusiness},
		}, Committee: seats}
	}
	tests := []struct {
		name  string
		seats []persona.Seat
		want  error // nil: valid
	}{
		{"a committee of every kind is valid", []persona.Seat{
			{Kind: persona.SeatVeto, Persona: persona.Procurement, Note: "MSA"},
			{Kind: persona.SeatNoVeto, Persona: persona.FinanceExecutive, From: jan1},
			{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 0.8},
			{Kind: persona.SeatWeight, Persona: persona.EndUser, Weight: 0},
			{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer},
			{Kind: persona.SeatRole, Contact: "vp", Role: persona.RoleSponsor},
		}, nil},
		{"consecutive seats on one persona do not overlap", []persona.Seat{
			{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 0.8, Until: feb1},
			{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 0.2, From: feb1},
		}, nil},
		{"an unknown kind", []persona.Seat{{Kind: "boss", Persona: persona.CIO}}, persona.ErrInvalidSeat},
		{"an unknown persona", []persona.Seat{{Kind: persona.SeatVeto, Persona: "king"}}, persona.ErrUnknownPersona},
		{"a persona seat naming a contact", []persona.Seat{{Kind: persona.SeatVeto, Persona: persona.CIO, Contact: "cfo"}}, persona.ErrInvalidSeat},
		{"a negative weight", []persona.Seat{{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: -1}}, persona.ErrInvalidWeight},
		{"a NaN weight", []persona.Seat{{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: math.NaN()}}, persona.ErrInvalidWeight},
		{"a weight on a veto seat", []persona.Seat{{Kind: persona.SeatVeto, Persona: persona.CIO, Weight: 2}}, persona.ErrInvalidSeat},
		{"a role on a contact not in the account", []persona.Seat{{Kind: persona.SeatRole, Contact: "ghost", Role: persona.RoleChampion}}, persona.ErrInvalidSeat},
		{"a role seat without a role", []persona.Seat{{Kind: persona.SeatRole, Contact: "cfo"}}, persona.ErrInvalidRole},
		{"a role seat naming a persona", []persona.Seat{{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleSponsor, Persona: persona.CIO}}, persona.ErrInvalidSeat},
		{"a seat ending when it starts", []persona.Seat{{Kind: persona.SeatVeto, Persona: persona.CIO, From: feb1, Until: feb1}}, persona.ErrInvalidSeat},
		{"two weights for a persona at once", []persona.Seat{
			{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 1, Until: mar1},
			{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 2, From: feb1},
		}, persona.ErrOverlappingSeats},
		{"a veto granted and withdrawn at once", []persona.Seat{
			{Kind: persona.SeatVeto, Persona: persona.CIO},
			{Kind: persona.SeatNoVeto, Persona: persona.CIO, From: feb1},
		}, persona.ErrOverlappingSeats},
		{"the same role twice on a contact", []persona.Seat{
			{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer},
			{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer, From: feb1},
		}, persona.ErrOverlappingSeats},
	}
	cat := persona.B2B()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			acct := base(tc.seats...)
			err := acct.Validate(cat)
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("Validate = %v, want %v", err, tc.want)
			}
			var fe *persona.FieldError
			if err != nil && !errors.As(err, &fe) {
				t.Errorf("error %v is not a *FieldError", err)
			}
		})
	}
}

func TestVetoAndRolesAt(t *testing.T) {
	cat := persona.B2B()
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "cfo", Persona: persona.FinanceExecutive}},
		Committee: []persona.Seat{
			{Kind: persona.SeatVeto, Persona: persona.Procurement, From: feb1},
			{Kind: persona.SeatNoVeto, Persona: persona.FinanceExecutive, Until: feb1},
			{Kind: persona.SeatRole, Contact: "cfo", Role: persona.RoleEconomicBuyer, From: feb1},
		}}
	for _, tc := range []struct {
		at   time.Time
		p    persona.ID
		want bool
	}{
		{jan1, persona.Procurement, false}, // the catalog's: no veto
		{feb1, persona.Procurement, true},  // granted from Feb 1, inclusive
		{jan1, persona.FinanceExecutive, false},
		{feb1, persona.FinanceExecutive, true}, // withdrawn until Feb 1, exclusive
		{feb1, persona.Security, true},
		{feb1, persona.EndUser, false},
	} {
		if got, ok := acct.VetoAt(cat, tc.p, tc.at); !ok || got != tc.want {
			t.Errorf("VetoAt(%s, %s) = %v, %v; want %v", tc.p, tc.at.Format(time.DateOnly), got, ok, tc.want)
		}
	}
	if _, ok := acct.VetoAt(cat, "king", feb1); ok {
		t.Error("VetoAt of an unknown persona is ok")
	}
	if got := acct.RoleAt(persona.RoleEconomicBuyer, jan1); len(got) != 0 {
		t.Errorf("economic buyer before the seat: %v", got)
	}
	if got := acct.RoleAt(persona.RoleEconomicBuyer, feb1); !slices.Equal(got, []string{"cfo"}) {
		t.Errorf("economic buyer from Feb 1: %v", got)
	}
	if got := slices.Collect(acct.SeatsAt(jan1)); len(got) != 1 || got[0].Kind != persona.SeatNoVeto {
		t.Errorf("seats in force on Jan 1: %v", got)
	}
}

// A weight seat changes the village's weights for coverage as for scoring.
// The decision group weighs 0.5 with personas 0.45 (line of business), 0.35
// (finance) and 0.20 (procurement); with the line of business at 1.45 in
// this account, finance's effective weight is 0.5*0.35/2 = 0.0875 of a
// total of 1, so an account reaching only finance covers 8.75%, against
// 0.5*0.35/1 = 17.5% without the seat.
func TestCoverageUsesWeightSeats(t *testing.T) {
	cat := persona.B2B()
	acct := persona.Account{ID: "acme", Contacts: []persona.Contact{{ID: "cfo", Persona: persona.FinanceExecutive}}}
	if got := persona.CoverageAt(&acct, cat, jan1).WeightShare; math.Abs(got-0.175) > 1e-15 {
		t.Errorf("without a seat: %v, want 0.175", got)
	}
	acct.Committee = []persona.Seat{{Kind: persona.SeatWeight, Persona: persona.LineOfBusiness, Weight: 1.45, From: feb1}}
	if got := persona.CoverageAt(&acct, cat, jan1).WeightShare; math.Abs(got-0.175) > 1e-15 {
		t.Errorf("before the seat: %v, want 0.175", got)
	}
	if got := persona.CoverageAt(&acct, cat, feb1).WeightShare; math.Abs(got-0.0875) > 1e-15 {
		t.Errorf("with the seat: %v, want 0.0875", got)
	}
}

func TestSeatString(t *testing.T) {
	for _, tc := range []struct {
		seat persona.Seat
		want string
	}{
		{persona.Seat{Kind: persona.SeatVeto, Persona: persona.Procurement, Note: "MSA requires sign-off"}, "procurement holds a veto (MSA requires sign-off)"},
		{persona.Seat{Kind: persona.SeatNoVeto, Persona: persona.FinanceExecutive}, "finance-exec holds no veto"},
		{persona.Seat{Kind: persona.SeatWeight, Persona: persona.EndUser, Weight: 0}, "end-user weighs 0 in its group"},
		{persona.Seat{Kind: persona.SeatRole, Contact: "c7", Role: persona.RoleEconomicBuyer}, "contact c7 is the economic-buyer"},
	} {
		if got := tc.seat.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestCompareSeatsIsATotalOrder(t *testing.T) {
	seats := []persona.Seat{
		{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 2},
		{Kind: persona.SeatWeight, Persona: persona.CIO, Weight: 1},
		{Kind: persona.SeatVeto, Persona: persona.CIO, From: feb1},
		{Kind: persona.SeatVeto, Persona: persona.CIO, From: jan1},
		{Kind: persona.SeatRole, Contact: "b", Role: persona.RoleSponsor},
		{Kind: persona.SeatRole, Contact: "a", Role: persona.RoleSponsor, Note: "y"},
		{Kind: persona.SeatRole, Contact: "a", Role: persona.RoleSponsor, Note: "x"},
	}
	want := slices.SortedFunc(slices.Values(seats), persona.CompareSeats)
	rev := slices.Clone(seats)
	slices.Reverse(rev)
	if got := slices.SortedFunc(slices.Values(rev), persona.CompareSeats); !slices.Equal(got, want) {
		t.Errorf("order depends on the input order:\n%v\n%v", got, want)
	}
	for i := 1; i < len(want); i++ {
		if persona.CompareSeats(want[i-1], want[i]) >= 0 {
			t.Errorf("seats %d and %d not strictly ordered: %v, %v", i-1, i, want[i-1], want[i])
		}
	}
}
