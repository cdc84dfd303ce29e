package scoring

import (
	"math/bits"
	"slices"

	"github.com/villagecx/village/persona"
)

// contactKey is a contact's place in the order of IDs: the 16 bytes of its
// ID after the prefix all the account's IDs share, big-endian and padded
// with zeros, so that most comparisons are of integers (strings.Compare
// spent a fifth of a villagesim account's scoring on IDs such as
// "acct-00042-end-user-7"). Integers in order are IDs in order; where they
// tie, the IDs themselves decide.
type contactKey struct {
	hi, lo uint64
	index  int32 // in the account's contacts
}

// sortByID sets ws.byID to the indices of contacts in the order of their IDs
// (strings.Compare), with ws.keys as scratch space.
func sortByID(ws *workspace, contacts []persona.Contact) {
	ws.byID, ws.keys = ws.byID[:0], ws.keys[:0]
	if len(contacts) == 0 {
		return
	}
	first := contacts[0].ID
	shared := len(first)
	for i := 1; i < len(contacts) && shared > 0; i++ {
		shared = commonPrefix(first, contacts[i].ID, shared)
	}
	keys := ws.keys
	for i := range contacts {
		hi, lo := keyWords(contacts[i].ID, shared)
		keys = append(keys, contactKey{hi: hi, lo: lo, index: int32(i)})
	}
	sortContactKeys(keys, contacts, bits.Len(uint(len(keys))))
	for _, k := range keys {
		ws.byID = append(ws.byID, k.index)
	}
	ws.keys = keys
}

// sortContactKeys sorts keys by ID: quicksort, the pivot the median of
// the first, middle and last keys, down to runs of insertionMax keys,
// which insertion finishes; all comparisons inline (slices.SortFunc's
// calls of a comparison were a third of ranking a villagesim account's
// contacts). Past depth levels of partitioning, as adversarial IDs could
// force, slices.SortFunc sorts what is left, in n log n.
func sortContactKeys(keys []contactKey, contacts []persona.Contact, depth int) {
	for len(keys) > insertionMax {
		if depth == 0 {
			slices.SortFunc(keys, func(a, b contactKey) int {
				if keyLess(&a, &b, contacts) {
					return -1
				}
				if keyLess(&b, &a, contacts) {
					return 1
				}
				return 0
			})
			return
		}
		depth--
		n := len(keys)
		// The median of three at the end, as the pivot.
		m := n / 2
		if keyLess(&keys[m], &keys[0], contacts) {
			keys[m], keys[0] = keys[0], keys[m]
		}
		if keyLess(&keys[n-1], &keys[0], contacts) {
			keys[n-1], keys[0] = keys[0], keys[n-1]
		}
		if keyLess(&keys[m], &keys[n-1], contacts) {
			keys[m], keys[n-1] = keys[n-1], keys[m]
		}
		pivot := keys[n-1]
		p := 0
		for j := range n - 1 {
			if keyLess(&keys[j], &pivot, contacts) {
				keys[p], keys[j] = keys[j], keys[p]
				p++
			}
		}
		keys[p], keys[n-1] = keys[n-1], keys[p]
		// The smaller side by recursion, the larger by the loop.
		if p < n-1-p {
			sortContactKeys(keys[:p], contacts, depth)
			keys = keys[p+1:]
		} else {
			sortContactKeys(keys[p+1:], contacts, depth)
			keys = keys[:p]
		}
	}
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		j := i
		for ; j > 0 && keyLess(&k, &keys[j-1], contacts); j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
}

// insertionMax is the longest run of keys sortContactKeys sorts by
// insertion: contacts are few in most accounts, and often listed in order.
const insertionMax = 32

// keyLess reports whether the contact of key a has an ID before that of b.
func keyLess(a, b *contactKey, contacts []persona.Contact) bool {
	if a.hi != b.hi {
		return a.hi < b.hi
	}
	if a.lo != b.lo {
		return a.lo < b.lo
	}
	return contacts[a.index].ID < contacts[b.index].ID
}

// commonPrefix returns the length of the longest prefix a and b share, at
// most n (n <= len(a)), comparing eight bytes at a time, the last eight too
// where both strings have them.
func commonPrefix(a, b string, n int) int {
	n = min(n, len(b))
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := le64(a[i:]) ^ le64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)/8
		}
	}
	if i == n {
		return n
	}
	if i+8 <= len(a) && i+8 <= len(b) {
		if x := le64(a[i:]) ^ le64(b[i:]); x != 0 {
			return min(n, i+bits.TrailingZeros64(x)/8)
		}
		return n
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// keyWords returns the 16 bytes of id after its first shared as two
// big-endian words, padded with zero bytes if id is shorter.
func keyWords(id string, shared int) (hi, lo uint64) {
	rest := id[shared:]
	switch {
	case len(rest) >= 16:
		return be64(rest), be64(rest[8:])
	case len(rest) >= 8:
		return be64(rest), tailWord(id, len(rest)-8)
	default:
		return tailWord(id, len(rest)), 0
	}
}

// be64 reads the first 8 bytes of s as a big-endian word (one load).
func be64(s string) uint64 { return bits.ReverseBytes64(le64(s)) }

// tailWord returns the last k (< 8) bytes of s as the first bytes of a
// big-endian word, the rest zero: one load of s's last 8 bytes where s has
// them.
func tailWord(s string, k int) uint64 {
	if k == 0 {
		return 0
	}
	if len(s) >= 8 {
		return be64(s[len(s)-8:]) << (8 * (8 - k))
	}
	var v uint64
	for i := range k {
		v |= uint64(s[len(s)-k+i]) << (56 - 8*i)
	}
	return v
}

// hashString is a seeded hash of s for the per-account index of contact
// IDs (findContact), built as wyhash is (the hash Go's runtime uses on
// machines without AES instructions): the string read as little-endian
// words, each pair folded by a 64x64->128-bit multiplication, every byte
// counted. It is one call where maphash.String makes three, and for the
// short IDs of contacts costs about half as many instructions. Which value
// it returns decides only where an ID sits in the index, never a result.
func hashString(seed uint64, s string) uint64 {
	const m1, m2, m3 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3
	n := len(s)
	var a, b uint64
	switch {
	case n == 0:
	case n < 4:
		a = uint64(s[0])<<16 | uint64(s[n>>1])<<8 | uint64(s[n-1])
	case n <= 8:
		a, b = le32(s), le32(s[n-4:])
	case n <= 16:
		a, b = le64(s), le64(s[n-8:])
	default:
		rest := s
		for len(rest) > 16 {
			seed = mix(le64(rest)^m2, le64(rest[8:])^seed)
			rest = rest[16:]
		}
		a, b = le64(s[n-16:]), le64(s[n-8:])
	}
	return mix(m1^uint64(n), mix(a^m2, b^seed^m3))
}

// mix folds the 128-bit product of a and b into 64 bits.
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// le64 reads the first 8 bytes of s as a little-endian word (one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// le32 reads the first 4 bytes of s as a little-endian word (one load).
func le32(s string) uint64 {
	_ = s[3]
	return uint64(uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24)
}
