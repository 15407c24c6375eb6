//go:build race

package harness

// RaceEnabled is true when the tests are built with -race; the server
// binary under test is then built with -race as well.
const RaceEnabled = true
