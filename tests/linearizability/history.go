package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/anishathalye/porcupine"
)

// record is one line of a history file (JSON lines). The first line may instead be
// {"init": V}: the register's value before the first operation (0 when absent).
//
//	{"client":2,"kind":"read","call":..,"return":..,"outcome":"ok","value":1200}
//	{"client":0,"kind":"write","value":1100,"call":..,"return":..,"outcome":"ok"}
//	{"client":1,"kind":"cas","from":1100,"to":1300,"call":..,"return":..,"outcome":"ok","swapped":false}
//	{"client":3,"kind":"write","value":1400,"call":..,"outcome":"unknown"}
//
// outcome: "ok" (the answer is known), "fail" (known to have had no effect, e.g. refused before it
// reached the registry: left out), "unknown" (timeout or lost connection: a read is left out, a
// write or cas may have taken effect; "return" is ignored). Times are nanoseconds on one clock.
type record struct {
	Init    *int64 `json:"init"`
	Client  *int   `json:"client"`
	Kind    Kind   `json:"kind"`
	Value   *int64 `json:"value"`
	From    *int64 `json:"from"`
	To      *int64 `json:"to"`
	Swapped *bool  `json:"swapped"`
	Call    *int64 `json:"call"`
	Return  *int64 `json:"return"`
	Outcome string `json:"outcome"`
	Status  *int   `json:"status"` // informational: the HTTP status of a failed or unknown operation (-1: none)
}

// History is what the checker checks, and counts of what was read.
type History struct {
	Init       int64
	Operations []porcupine.Operation
	Ok         int
	Failed     int
	Unknown    int
}

// ParseHistory reads a history file; an error names the line and what is wrong with it.
func ParseHistory(r io.Reader) (History, error) {
	h := History{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var rec record
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return h, fmt.Errorf("line %d: not a history record: %v", line, err)
		}
		if rec.Init != nil {
			if len(h.Operations) > 0 || h.Ok+h.Failed+h.Unknown > 0 {
				return h, fmt.Errorf("line %d: {\"init\"} must come before every operation", line)
			}
			h.Init = *rec.Init
			continue
		}
		op, keep, err := operation(rec)
		if err != nil {
			return h, fmt.Errorf("line %d: %v", line, err)
		}
		switch rec.Outcome {
		case "ok":
			h.Ok++
		case "fail":
			h.Failed++
		default:
			h.Unknown++
		}
		if keep {
			h.Operations = append(h.Operations, op)
		}
	}
	if err := sc.Err(); err != nil {
		return h, fmt.Errorf("line %d: %v", line+1, err)
	}
	return h, nil
}

// operation converts one record; keep is false for operations that cannot constrain the order
// (failed ones, and reads without an answer).
func operation(rec record) (porcupine.Operation, bool, error) {
	if rec.Client == nil || *rec.Client < 0 {
		return porcupine.Operation{}, false, fmt.Errorf("\"client\" is missing or negative")
	}
	if rec.Call == nil {
		return porcupine.Operation{}, false, fmt.Errorf("\"call\" (ns) is missing")
	}
	in := Input{Kind: rec.Kind}
	out := Output{}
	switch rec.Outcome {
	case "ok", "fail", "unknown":
	default:
		return porcupine.Operation{}, false, fmt.Errorf("\"outcome\" must be ok, fail or unknown, got %q", rec.Outcome)
	}
	switch rec.Kind {
	case Read:
		if rec.Outcome == "ok" {
			if rec.Value == nil {
				return porcupine.Operation{}, false, fmt.Errorf("a read with outcome ok needs the \"value\" read")
			}
			out.Value = *rec.Value
		}
	case Write:
		if rec.Value == nil {
			return porcupine.Operation{}, false, fmt.Errorf("a write needs the \"value\" written")
		}
		in.Value = *rec.Value
	case Cas:
		if rec.From == nil || rec.To == nil {
			return porcupine.Operation{}, false, fmt.Errorf("a cas needs \"from\" and \"to\"")
		}
		in.From, in.To = *rec.From, *rec.To
		if rec.Outcome == "ok" {
			if rec.Swapped == nil {
				return porcupine.Operation{}, false, fmt.Errorf("a cas with outcome ok needs \"swapped\"")
			}
			out.Swapped = *rec.Swapped
		}
	default:
		return porcupine.Operation{}, false, fmt.Errorf("\"kind\" must be read, write or cas, got %q", rec.Kind)
	}
	op := porcupine.Operation{ClientId: *rec.Client, Input: in, Call: *rec.Call}
	switch rec.Outcome {
	case "fail":
		return op, false, nil
	case "unknown":
		if rec.Kind == Read {
			return op, false, nil
		}
		out.Unknown = true
		op.Output = out
		op.Return = Never
		return op, true, nil
	}
	if rec.Return == nil || *rec.Return < *rec.Call {
		return porcupine.Operation{}, false, fmt.Errorf("an operation with outcome ok needs \"return\" >= \"call\"")
	}
	op.Output = out
	op.Return = *rec.Return
	return op, true, nil
}
