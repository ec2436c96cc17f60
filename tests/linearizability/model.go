package main

import (
	"fmt"
	"math"

	"github.com/anishathalye/porcupine"
)

// Kind is what an operation did to the register.
type Kind string

const (
	Read  Kind = "read"
	Write Kind = "write"
	Cas   Kind = "cas"
)

// Input is what a client asked for: read, write Value, or compare-and-set From -> To.
type Input struct {
	Kind  Kind
	Value int64 // write: the value written
	From  int64 // cas: the value expected
	To    int64 // cas: the value set when the expectation holds
}

// Output is what the client was told. Unknown: the call timed out or lost its connection, so a
// write or cas may or may not have taken effect (its Return is then "never", see History).
type Output struct {
	Value   int64 // read: the value read
	Swapped bool  // cas: true when it took effect, false when refused (409)
	Unknown bool
}

// Never is the return time of an indeterminate operation: it may take effect at any point after
// its call, or not at all (linearized after every other operation, where it changes nothing seen).
const Never = math.MaxInt64

// registerModel is a single register with read, write and compare-and-set. The state is the
// register's value (an int64).
var registerModel = porcupine.Model{
	Init: func() interface{} { return int64(0) },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s := state.(int64)
		in := input.(Input)
		out := output.(Output)
		switch in.Kind {
		case Read:
			// an indeterminate read never reaches the checker (it has no effect, and no value to check)
			return !out.Unknown && out.Value == s, s
		case Write:
			return true, in.Value
		case Cas:
			if out.Unknown {
				// at this point of the order it either applies (the value matched) or it does not
				if s == in.From {
					return true, in.To
				}
				return true, s
			}
			if out.Swapped {
				return s == in.From, in.To
			}
			return s != in.From, s
		}
		return false, s
	},
	Equal: func(a, b interface{}) bool { return a.(int64) == b.(int64) },
	DescribeOperation: func(input, output interface{}) string {
		in := input.(Input)
		out := output.(Output)
		switch in.Kind {
		case Read:
			return fmt.Sprintf("read() -> %d", out.Value)
		case Write:
			if out.Unknown {
				return fmt.Sprintf("write(%d) -> ?", in.Value)
			}
			return fmt.Sprintf("write(%d)", in.Value)
		default:
			if out.Unknown {
				return fmt.Sprintf("cas(%d, %d) -> ?", in.From, in.To)
			}
			return fmt.Sprintf("cas(%d, %d) -> %t", in.From, in.To, out.Swapped)
		}
	},
	DescribeState: func(state interface{}) string { return fmt.Sprintf("%d", state.(int64)) },
}

// modelStartingAt is the register model whose initial value is init.
func modelStartingAt(init int64) porcupine.Model {
	m := registerModel
	m.Init = func() interface{} { return init }
	return m
}
