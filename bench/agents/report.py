#!/usr/bin/env python3
"""Breaks each bench run down from the task's own spans (bench/agents/run.sh): report.py RUNS SPANS PULLS GIT GOAL_MS.

Per run (the first, a warm-up, is left out): accept (comment sent -> the enqueue span's end: verified, forwarded,
parsed, stored), queue wait (enqueue span's end -> task span's
start: the worker's wake-up and claim), the container spans by step (worktree-add, agent, worktree-finish, push), the
agent's own time (its first and last output line carry the container's clock), the pull request (push span's end ->
the request at the stand-in), and what no span covers. Outside the agent = total - the agent's own time.
"""
import json
import re
import statistics
import sys

runs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
spans = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
pulls = [json.loads(line) for line in open(sys.argv[3], encoding="utf-8") if line.strip()]
git = [json.loads(line) for line in open(sys.argv[4], encoding="utf-8") if line.strip()]
goal = int(sys.argv[5])
ms = 1e6

STEPS = ["accept", "queue wait", "worktree-add", "agent container", "  of which the agent itself", "worktree-finish", "push",
         "  of which the forge answering", "pull request", "between spans"]
rows = []
for run in runs:
    if run["n"] == 0:
        continue
    task = run["task"]
    mine = [s for s in spans if s["attributes"].get("codeur.task.id") == task]
    enqueue = next(s for s in mine if s["name"] == "enqueue")
    task_span = next(s for s in mine if s["name"] == "task")
    containers = {s["attributes"].get("codeur.container.step"): s for s in mine if s["name"] == "container"}
    pull = next(p for p in pulls if p["request"].get("head") == "codeur/" + task)
    own = [int(x) for x in re.findall(r"agent-(?:start|end) (\d+)", run["output"])]
    agent_own = (own[1] - own[0]) / ms
    d = {
        "accept": (enqueue["end"] - run["sent"]) / ms,
        "queue wait": (task_span["start"] - enqueue["end"]) / ms,
        "worktree-add": (containers["worktree-add"]["end"] - containers["worktree-add"]["start"]) / ms,
        "agent container": (containers["agent"]["end"] - containers["agent"]["start"]) / ms,
        "  of which the agent itself": agent_own,
        "worktree-finish": (containers["worktree-finish"]["end"] - containers["worktree-finish"]["start"]) / ms,
        "push": (containers["push"]["end"] - containers["push"]["start"]) / ms,
        "  of which the forge answering": sum(g["done"] - g["arrived"] for g in git
                                              if containers["push"]["start"] <= g["arrived"] <= containers["push"]["end"]) / ms,
        "pull request": (pull["arrived"] - containers["push"]["end"]) / ms,
    }
    total = (pull["arrived"] - run["sent"]) / ms
    covered = sum(v for k, v in d.items() if not k.startswith(" "))
    d["between spans"] = total - covered
    d["total"] = total
    d["answered"] = (run["accepted"] - run["sent"]) / ms
    d["outside the agent"] = total - agent_own
    rows.append(d)

if not rows:
    sys.exit("no measured runs")
print()
print("End to end: signed GitHub comment -> pull request at the stand-in (%d runs, medians in ms)" % len(rows))
print("%-30s %10s %10s %10s" % ("stage", "median", "min", "max"))
for key in STEPS + ["total", "outside the agent"]:
    values = [r[key] for r in rows]
    print("%-30s %10.0f %10.0f %10.0f" % (key, statistics.median(values), min(values), max(values)))
outside = statistics.median(r["outside the agent"] for r in rows)
print("%-30s %10.0f" % ("202 answered (client)", statistics.median((r["answered"]) for r in rows)))
print()
print("goal: <= %d ms outside the agent (median): %.0f ms -> %s" % (goal, outside, "PASS" if outside <= goal else "MISS"))
