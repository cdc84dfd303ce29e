//go:build !race

package calibrate_test

// raceEnabled is true when the tests run under the race detector, which
// slows them tenfold and adds allocations of its own.
const raceEnabled = false
