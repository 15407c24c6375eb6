//go:build race

package test

// raceEnabled is true when the test binary is built with -race; the server
// binary under test is then built with -race as well.
const raceEnabled = true
