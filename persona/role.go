package persona

import "fmt"

// Role is a persona's part in the buying centre. The zero value, RoleUnspecified,
// is valid: not every persona a vendor tracks has a part in the purchase.
type Role uint8

// The buying-centre roles of classic organisational-buying theory, plus the
// champion and executive sponsor that practice adds.
const (
	RoleUnspecified   Role = iota
	RoleDecider            // makes the final call
	RoleEconomicBuyer      // holds the budget
	RoleInfluencer         // shapes the requirements and the choice
	RoleUser               // works with the product day to day
	RoleGatekeeper         // can stall or block: IT, security, procurement, legal
	RoleChampion           // advocates for the vendor inside the account
	RoleSponsor            // executive who lends the purchase authority
)

var roleNames = [...]string{
	RoleUnspecified:   "",
	RoleDecider:       "decider",
	RoleEconomicBuyer: "economic-buyer",
	RoleInfluencer:    "influencer",
	RoleUser:          "user",
	RoleGatekeeper:    "gatekeeper",
	RoleChampion:      "champion",
	RoleSponsor:       "sponsor",
}

// String returns the role's text form, e.g. "economic-buyer"; RoleUnspecified
// is the empty string.
func (r Role) String() string {
	if int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", uint8(r))
}

// MarshalText encodes the role as its String form. It fails for a value
// outside the declared roles.
func (r Role) MarshalText() ([]byte, error) {
	if int(r) >= len(roleNames) {
		return nil, fieldErr("role", uint8(r), ErrInvalidRole)
	}
	return []byte(roleNames[r]), nil
}

// UnmarshalText decodes a role from its String form.
func (r *Role) UnmarshalText(text []byte) error {
	for i, name := range roleNames {
		if name == string(text) {
			*r = Role(i)
			return nil
		}
	}
	return fieldErr("role", string(text), ErrInvalidRole)
}
