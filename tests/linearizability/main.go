// Command linearizability checks a history of register operations (read, write,
// compare-and-set), recorded by RegistryLinearizabilityIT against cfgserver's REST API, for
// linearizability with Porcupine.
//
//	linearizability -history history.jsonl [-html anomaly.html] [-timeout 5m]
//
// Exit status: 0 linearizable, 1 not linearizable (the anomaly is printed and, with -html,
// Porcupine's visualization written), 2 bad input or usage, 3 the check did not finish within
// -timeout (no verdict).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/anishathalye/porcupine"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("linearizability", flag.ContinueOnError)
	historyPath := fs.String("history", "", "history file (JSON lines)")
	htmlPath := fs.String("html", "", "where to write Porcupine's visualization when the history is not linearizable")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up (exit 3) after this long; 0: never")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *historyPath == "" {
		fmt.Fprintln(os.Stderr, "give -history FILE (JSON lines, see history.go)")
		return 2
	}
	f, err := os.Open(*historyPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot read the history: %v\n", err)
		return 2
	}
	h, err := ParseHistory(f)
	f.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", *historyPath, err)
		return 2
	}
	model := modelStartingAt(h.Init)
	start := time.Now()
	result, info := porcupine.CheckOperationsVerbose(model, h.Operations, *timeout)
	took := time.Since(start)
	summary := fmt.Sprintf("ops=%d checked=%d ok=%d failed=%d unknown=%d init=%d checkMillis=%d",
		h.Ok+h.Failed+h.Unknown, len(h.Operations), h.Ok, h.Failed, h.Unknown, h.Init, took.Milliseconds())
	switch result {
	case porcupine.Ok:
		fmt.Printf("verdict=linearizable %s\n", summary)
		return 0
	case porcupine.Unknown:
		fmt.Printf("verdict=unknown (no verdict within %s) %s\n", *timeout, summary)
		return 3
	}
	fmt.Printf("verdict=NOT-linearizable %s\n", summary)
	describeAnomaly(model, info)
	if *htmlPath != "" {
		if err := porcupine.VisualizePath(model, info, *htmlPath); err != nil {
			fmt.Fprintf(os.Stderr, "cannot write the visualization: %v\n", err)
		} else {
			fmt.Printf("visualization: %s\n", *htmlPath)
		}
	}
	return 1
}

// describeAnomaly prints the end of the longest order Porcupine found: the operations after it
// are those that no order can place.
func describeAnomaly(model porcupine.Model, info porcupine.LinearizationInfo) {
	for _, partition := range info.PartialLinearizationsOperations() {
		var longest []porcupine.Operation
		for _, l := range partition {
			if len(l) > len(longest) {
				longest = l
			}
		}
		from := len(longest) - 10
		if from < 0 {
			from = 0
		}
		fmt.Printf("longest linearizable prefix: %d operations; its last ones:\n", len(longest))
		for _, op := range longest[from:] {
			ret := "never"
			if op.Return != Never {
				ret = fmt.Sprintf("%d", op.Return)
			}
			fmt.Printf("  client %d [%d, %s] %s\n", op.ClientId, op.Call, ret,
				model.DescribeOperation(op.Input, op.Output))
		}
	}
}
