// Sizes of the Raft RPCs in Go's encoding/gob, as labrpc sends them (one encoder per call,
// so every message carries its types' descriptions). raft_test.py's GOB_EXTRA_BYTES_PER_RPC
// comes from these figures. Run with a Go toolchain (Debian: golang-go):
//
//	cd bench/gob && go run main.go
package main

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"strings"
)

// The field names of the Go lab's Raft (raft1/raft.go in a solution).
type LogEntry struct {
	Term    int
	Command interface{}
}

type AppendEntriesArgs struct {
	Term         int
	LeaderId     int
	PrevLogIndex int
	PrevLogTerm  int
	Entries      []LogEntry
	LeaderCommit int
}

type AppendEntriesReply struct {
	Term    int
	Success bool
	XTerm   int
	XIndex  int
	XLen    int
}

type RequestVoteArgs struct{ Term, CandidateId, LastLogIndex, LastLogTerm int }

type RequestVoteReply struct {
	Term        int
	VoteGranted bool
}

func size(v interface{}) int {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		panic(err)
	}
	return b.Len()
}

func main() {
	gob.Register("")
	gob.Register(0)
	heartbeat := AppendEntriesArgs{Term: 3, LeaderId: 1, PrevLogIndex: 7, PrevLogTerm: 3, LeaderCommit: 7}
	withCommand := heartbeat
	withCommand.Entries = []LogEntry{{3, strings.Repeat("x", 5000)}}
	fmt.Println("AppendEntries heartbeat args", size(heartbeat), "B")
	fmt.Println("AppendEntries args with one 5000-byte command", size(withCommand), "B")
	fmt.Println("AppendEntries reply", size(AppendEntriesReply{Term: 3, Success: true}), "B")
	fmt.Println("RequestVote args", size(RequestVoteArgs{3, 1, 7, 3}), "B")
	fmt.Println("RequestVote reply", size(RequestVoteReply{3, true}), "B")
}
