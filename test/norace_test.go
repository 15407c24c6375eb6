//go:build !race

package test

// raceEnabled is false when the test binary is built without -race.
const raceEnabled = false
