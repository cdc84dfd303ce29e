package scoring

import (
	"fmt"
	"testing"
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
