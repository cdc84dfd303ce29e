package scoring

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/villagecx/village/persona"
)

// hashString reads every byte: changing any one byte of a string of any
// length up to 40, or its length, changes the hash.
func TestHashStringCountsEveryByte(t *testing.T) {
	const seed = 0x9E3779B97F4A7C15
	base := []byte("acct-000123-end-user-1-of-the-village-xyz")
	seen := map[uint64]string{}
	for n := 0; n <= 40; n++ {
		s := string(base[:n])
		h := hashString(seed, s)
		if prev, ok := seen[h]; ok {
			t.Fatalf("%q and %q hash alike", prev, s)
		}
		seen[h] = s
		for i := range n {
			b := []byte(s)
			b[i] ^= 1
			if hashString(seed, string(b)) == h {
				t.Errorf("length %d: flipping byte %d leaves the hash unchanged", n, i)
			}
		}
	}
}

// Contact IDs in the shapes seen in practice spread over a table's slots
// and do not collide in 64 bits, and another seed hashes them differently.
func TestHashStringSpreads(t *testing.T) {
	for _, format := range []string{"c%d", "acct-%06d-end-user-1", "%d", "00000000-0000-4000-8000-%012d"} {
		const n = 1 << 14
		full := map[uint64]bool{}
		var slots [64]int
		moved := 0
		for i := range n {
			id := fmt.Sprintf(format, i)
			h := hashString(1, id)
			full[h] = true
			slots[h&63]++
			if hashString(2, id) != h {
				moved++
			}
		}
		if len(full) != n {
			t.Errorf("%s: %d collisions in 64 bits among %d IDs", format, n-len(full), n)
		}
		for i, c := range slots {
			if c < n/64/2 || c > n/64*2 {
				t.Errorf("%s: slot %d of 64 holds %d of %d IDs", format, i, c, n)
			}
		}
		if moved < n-1 {
			t.Errorf("%s: another seed moves only %d of %d IDs", format, moved, n)
		}
	}
}

// sortByID puts contacts in the order of strings.Compare on their IDs, for
// IDs sharing long prefixes, IDs that are prefixes of others, zero bytes
// and empty IDs, by insertion and by sorting (more than insertionMax).
func TestSortByIDIsStringOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	parts := []string{"", "a", "acct-00042-", "end-user-", "\x00", "\xff", "7", "cio", "zz-0123456789abcdef"}
	var ws workspace
	for trial := range 500 {
		n := rng.IntN(3 * insertionMax)
		contacts := make([]persona.Contact, n)
		prefix := parts[rng.IntN(len(parts))]
		for i := range contacts {
			id := prefix
			for range rng.IntN(4) {
				id += parts[rng.IntN(len(parts))]
			}
			contacts[i].ID = id
		}
		sortByID(&ws, contacts)
		if len(ws.byID) != n {
			t.Fatalf("trial %d: %d indices for %d contacts", trial, len(ws.byID), n)
		}
		for i := 1; i < n; i++ {
			if a, b := contacts[ws.byID[i-1]].ID, contacts[ws.byID[i]].ID; a > b {
				t.Fatalf("trial %d (%d contacts): %q before %q", trial, n, a, b)
			}
		}
		seen := make([]bool, n)
		for _, i := range ws.byID {
			if seen[i] {
				t.Fatalf("trial %d: index %d twice", trial, i)
			}
			seen[i] = true
		}
		// The same keys shuffled and sorted with little or no depth left
		// for quicksort, so that slices.SortFunc finishes.
		keys := slices.Clone(ws.keys)
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		sortContactKeys(keys, contacts, trial%3)
		for i := 1; i < n; i++ {
			if a, b := contacts[keys[i-1].index].ID, contacts[keys[i].index].ID; a > b {
				t.Fatalf("trial %d (%d contacts, depth %d): %q before %q", trial, n, trial%3, a, b)
			}
		}
	}
}

// commonPrefix and keyWords are what their byte-by-byte definitions say,
// for every pair of lengths up to 40 and every place of the first
// difference, and limits below the shared length.
func TestCommonPrefixAndKeyWords(t *testing.T) {
	base := []byte("acct-000123-end-user-1-of-the-village-xyz")
	for la := 0; la <= 40; la++ {
		a := string(base[:la])
		for lb := 0; lb <= 40; lb++ {
			for diff := 0; diff <= lb; diff++ {
				bb := slices.Clone(base[:lb])
				if diff < lb {
					bb[diff] ^= 0x20
				}
				b := string(bb)
				for _, n := range []int{la, la / 2, min(la, 9)} {
					want := 0
					for want < min(n, lb) && a[want] == b[want] {
						want++
					}
					if got := commonPrefix(a, b, n); got != want {
						t.Fatalf("commonPrefix(%q, %q, %d) = %d, want %d", a, b, n, got, want)
					}
				}
			}
		}
		for shared := 0; shared <= la; shared++ {
			var padded [16]byte
			copy(padded[:], a[shared:])
			wantHi, wantLo := uint64(0), uint64(0)
			for i := range 8 {
				wantHi, wantLo = wantHi<<8|uint64(padded[i]), wantLo<<8|uint64(padded[8+i])
			}
			if hi, lo := keyWords(a, shared); hi != wantHi || lo != wantLo {
				t.Fatalf("keyWords(%q, %d) = %x %x, want %x %x", a, shared, hi, lo, wantHi, wantLo)
			}
		}
	}
}
