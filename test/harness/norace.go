//go:build !race

package harness

// RaceEnabled is false when the tests are built without -race.
const RaceEnabled = false
