package villagesim

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/villagecx/village/persona"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, err := Generate(Config{Seed: 7, Accounts: 50})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(Config{Seed: 7, Accounts: 50})
	if d := cmp.Diff(a.Accounts, b.Accounts); d != "" {
		t.Errorf("same seed, different accounts (-a +b):\n%s", d)
	}
	if d := cmp.Diff(a.Truth, b.Truth); d != "" {
		t.Errorf("same seed, different truth (-a +b):\n%s", d)
	}
	c, _ := Generate(Config{Seed: 8, Accounts: 50})
	if cmp.Equal(a.Accounts, c.Accounts) {
		t.Error("another seed gave identical accounts")
	}
	// A smaller base is a prefix of a larger one.
	small, _ := Generate(Config{Seed: 7, Accounts: 10})
	if d := cmp.Diff(a.Accounts[:10], small.Accounts); d != "" {
		t.Errorf("first 10 of 50 differ from a base of 10 (-50 +10):\n%s", d)
	}
}

func TestGenerateIsRealistic(t *testing.T) {
	b, err := Generate(Config{Seed: 1, Accounts: 2000})
	if err != nil {
		t.Fatal(err)
	}
	cat := b.Catalog
	counts := make(map[persona.ID]int)
	left, joinedInWindow := 0, 0
	total := 0
	for _, a := range b.Accounts {
		if err := a.Validate(cat); err != nil {
			t.Fatalf("generated an invalid account: %v", err)
		}
		for _, c := range a.Contacts {
			counts[c.Persona]++
			total++
			if !c.Left.IsZero() {
				left++
			}
			if !c.Joined.Before(b.Start) {
				joinedInWindow++
			}
		}
	}
	if counts[persona.EndUser] < 5*counts[persona.LineOfBusiness] {
		t.Errorf("end users (%d) should far outnumber line-of-business executives (%d)",
			counts[persona.EndUser], counts[persona.LineOfBusiness])
	}
	if left == 0 || joinedInWindow == 0 {
		t.Errorf("people must join (%d) and leave (%d) during the window", joinedInWindow, left)
	}
	for i, tr := range b.Truth {
		if tr.Health < 0 || tr.Health > 100 || len(tr.Persona) != cat.Len() || tr.Account != b.Accounts[i].ID {
			t.Fatalf("truth %d out of shape: %+v", i, tr)
		}
	}
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	if _, err := Generate(Config{Accounts: -1}); err == nil {
		t.Error("negative Accounts accepted")
	}
	b, _ := Generate(Config{})
	if _, err := Generate(Config{Accounts: 1, Start: b.End, End: b.Start}); err == nil {
		t.Error("Start after End accepted")
	}
}
