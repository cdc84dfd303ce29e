package scoring

import "math/bits"

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
