package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
)

func verdict(t *testing.T, history string) bool {
	t.Helper()
	h, err := ParseHistory(strings.NewReader(history))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return porcupine.CheckOperations(modelStartingAt(h.Init), h.Operations)
}

func TestConcurrentWriteAndReadsThatSeeItInOrderAreLinearizable(t *testing.T) {
	ok := verdict(t, `{"init":1000}
{"client":0,"kind":"write","value":1100,"call":10,"return":50,"outcome":"ok"}
{"client":1,"kind":"read","value":1000,"call":20,"return":30,"outcome":"ok"}
{"client":2,"kind":"read","value":1100,"call":40,"return":60,"outcome":"ok"}
{"client":1,"kind":"cas","from":1100,"to":1200,"swapped":true,"call":70,"return":80,"outcome":"ok"}
{"client":2,"kind":"cas","from":1100,"to":1300,"swapped":false,"call":75,"return":90,"outcome":"ok"}
{"client":0,"kind":"read","value":1200,"call":95,"return":99,"outcome":"ok"}`)
	if !ok {
		t.Fatal("a linearizable history was judged not linearizable")
	}
}

func TestAStaleReadAfterAnAcknowledgedWriteIsNotLinearizable(t *testing.T) {
	ok := verdict(t, `{"init":1000}
{"client":0,"kind":"write","value":1100,"call":10,"return":20,"outcome":"ok"}
{"client":1,"kind":"read","value":1000,"call":30,"return":40,"outcome":"ok"}`)
	if ok {
		t.Fatal("a read after an acknowledged write returned the old value, and was judged linearizable")
	}
}

func TestTwoCasExpectingTheSameValueCannotBothSwap(t *testing.T) {
	ok := verdict(t, `{"init":1000}
{"client":0,"kind":"cas","from":1000,"to":1100,"swapped":true,"call":10,"return":50,"outcome":"ok"}
{"client":1,"kind":"cas","from":1000,"to":1200,"swapped":true,"call":10,"return":50,"outcome":"ok"}`)
	if ok {
		t.Fatal("two swaps from the same value were judged linearizable")
	}
}

func TestARefusedCasWhoseExpectationHeldIsNotLinearizable(t *testing.T) {
	ok := verdict(t, `{"init":1000}
{"client":0,"kind":"cas","from":1000,"to":1100,"swapped":false,"call":10,"return":20,"outcome":"ok"}`)
	if ok {
		t.Fatal("a cas refused while the register held its expected value was judged linearizable")
	}
}

func TestAnIndeterminateWriteMayHaveHappenedLateOrNotAtAll(t *testing.T) {
	// seen by a read long after the client gave up on it ...
	happened := `{"init":1000}
{"client":0,"kind":"write","value":1100,"call":10,"outcome":"unknown"}
{"client":1,"kind":"read","value":1000,"call":20,"return":30,"outcome":"ok"}
{"client":1,"kind":"read","value":1100,"call":1000,"return":1010,"outcome":"ok"}`
	// ... or never seen
	never := `{"init":1000}
{"client":0,"kind":"write","value":1100,"call":10,"outcome":"unknown"}
{"client":1,"kind":"read","value":1000,"call":1000,"return":1010,"outcome":"ok"}`
	if !verdict(t, happened) || !verdict(t, never) {
		t.Fatal("an indeterminate write was not allowed to take effect late, or not at all")
	}
	// but it cannot take effect before it was called
	early := `{"init":1000}
{"client":1,"kind":"read","value":1100,"call":1,"return":5,"outcome":"ok"}
{"client":0,"kind":"write","value":1100,"call":10,"outcome":"unknown"}`
	if verdict(t, early) {
		t.Fatal("a value read before anybody wrote it was judged linearizable")
	}
}

func TestAnIndeterminateCasAppliesOnlyWhenItsExpectationHolds(t *testing.T) {
	ok := verdict(t, `{"init":1000}
{"client":0,"kind":"cas","from":1200,"to":1300,"call":10,"outcome":"unknown"}
{"client":1,"kind":"read","value":1300,"call":100,"return":110,"outcome":"ok"}`)
	if ok {
		t.Fatal("an indeterminate cas whose expectation never held was judged to have applied")
	}
}

func TestFailedOperationsAndUnansweredReadsAreLeftOut(t *testing.T) {
	h, err := ParseHistory(strings.NewReader(`{"init":1000}
{"client":0,"kind":"write","value":1100,"call":10,"return":20,"outcome":"fail"}
{"client":1,"kind":"read","call":10,"outcome":"unknown"}
{"client":1,"kind":"read","value":1000,"call":30,"return":40,"outcome":"ok"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Operations) != 1 || h.Ok != 1 || h.Failed != 1 || h.Unknown != 1 {
		t.Fatalf("kept %d operations (ok %d failed %d unknown %d), want 1 (1 1 1)", len(h.Operations), h.Ok, h.Failed, h.Unknown)
	}
}

func TestBadInputIsNamedByLine(t *testing.T) {
	for _, bad := range []string{
		`{"client":0,"kind":"write","call":10,"return":20,"outcome":"ok"}`,
		`{"client":0,"kind":"swap","value":1,"call":10,"return":20,"outcome":"ok"}`,
		`{"client":0,"kind":"read","value":1,"call":10,"return":5,"outcome":"ok"}`,
		`{"client":0,"kind":"read","value":1,"call":10,"return":20,"outcome":"maybe"}`,
		`{"client":0,"kind":"read","value":1,"call":10,"return":20,"outcome":"ok","extra":1}`,
		`not json`,
	} {
		if _, err := ParseHistory(strings.NewReader("\n" + bad)); err == nil || !strings.HasPrefix(err.Error(), "line 2:") {
			t.Errorf("%s: want an error naming line 2, got %v", bad, err)
		}
	}
}

func TestExitStatusSaysTheVerdictAndWritesTheVisualization(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.jsonl")
	bad := filepath.Join(dir, "bad.jsonl")
	broken := filepath.Join(dir, "broken.jsonl")
	html := filepath.Join(dir, "anomaly.html")
	os.WriteFile(good, []byte(`{"init":1}
{"client":0,"kind":"read","value":1,"call":1,"return":2,"outcome":"ok"}
`), 0o644)
	os.WriteFile(bad, []byte(`{"init":1}
{"client":0,"kind":"write","value":2,"call":1,"return":2,"outcome":"ok"}
{"client":1,"kind":"read","value":1,"call":3,"return":4,"outcome":"ok"}
`), 0o644)
	os.WriteFile(broken, []byte("{\n"), 0o644)
	if code := run([]string{"-history", good}); code != 0 {
		t.Errorf("linearizable history: exit %d, want 0", code)
	}
	if code := run([]string{"-history", bad, "-html", html}); code != 1 {
		t.Errorf("non-linearizable history: exit %d, want 1", code)
	}
	if st, err := os.Stat(html); err != nil || st.Size() == 0 {
		t.Errorf("no visualization written: %v", err)
	}
	if code := run([]string{"-history", broken}); code != 2 {
		t.Errorf("broken history: exit %d, want 2", code)
	}
	if code := run([]string{}); code != 2 {
		t.Errorf("no -history: exit %d, want 2", code)
	}
}
