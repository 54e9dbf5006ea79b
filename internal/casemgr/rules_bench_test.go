package casemgr_test

import (
	"testing"
	"time"

	"github.com/casemgr/casemgr/internal/casemgr"
)

// benchActivities returns a full bulk request's activities of varied
// types, statuses, queues and locks, as the rule checks meet them.
func benchActivities() []casemgr.Activity {
	now := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	types := []string{casemgr.TypeEmail, casemgr.TypeCalltrack, casemgr.TypeSocial, casemgr.TypeTask}
	list := make([]casemgr.Activity, casemgr.MaxActivities)
	for i := range list {
		a := &list[i]
		a.ID = casemgr.ID(3000 + i)
		a.Type = types[i%len(types)]
		a.Department = casemgr.ID(10 + i%3)
		a.LastModified = now
		if i%2 == 0 {
			a.Status, a.AssignedUser = casemgr.StatusAssigned, casemgr.ID(1001+i%5)
		} else {
			a.Status, a.Queue = casemgr.StatusAwaitingAssignment, casemgr.ID(100+i%4)
		}
		if i%7 == 0 {
			exp := now.Add(time.Hour)
			a.LockedBy, a.LockExpires = 1002, &exp
		}
	}
	return list
}

// BenchmarkRuleChecks measures the pure rule checks a 75-activity request
// runs per activity: department access and sharing, licenses, the Pick
// Activities permissions, locks, and the lastModified rule.
func BenchmarkRuleChecks(b *testing.B) {
	acts := benchActivities()
	user := &casemgr.User{ID: 1001, Department: 10, ForeignDepartments: []casemgr.ID{11},
		Licenses: []string{casemgr.LicenseAdvisorDesktop, casemgr.LicenseCallTrackPlus},
		Actions:  casemgr.AllActions, PullUsers: []casemgr.ID{1002, 1003, 1004, 1005}, PullQueues: []casemgr.ID{100, 101, 102},
		TransferTo: []casemgr.ID{1003, 1006}}
	actor := casemgr.UserActor(user)
	depts := map[casemgr.ID]*casemgr.Department{
		10: {ID: 10, Name: "Service", SharedWith: []casemgr.ID{11, 12}, TransferQueue: 100},
		11: {ID: 11, Name: "Billing", SharedWith: []casemgr.ID{10}, TransferQueue: 110},
		12: {ID: 12, Name: "Legal"},
	}
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	b.Run("permissions_75_activities", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for i := range acts {
				a := &acts[i]
				if !actor.SeesActivity(a) || !depts[a.Department].SharedWithDept(10) {
					n++
				}
				if !actor.HasLicense(casemgr.ActivityLicenses(a.Type)...) {
					n++
				}
				if a.AssignedUser != actor.UserID() && !actor.MayPick(a, false) {
					n++
				}
				if !actor.MayTransferTo(a.AssignedUser) {
					n++
				}
			}
			if n == 0 {
				b.Fatal("the mix of activities breaks no rule")
			}
		}
	})
	b.Run("state_rules_75_activities", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for i := range acts {
				a := &acts[i]
				if a.LockedByOther(actor.UserID(), now) {
					n++
				}
				if next := casemgr.NextModified(a.LastModified, now); !next.After(a.LastModified) {
					b.Fatal("lastModified did not move forward")
				}
			}
			if n == 0 {
				b.Fatal("no activity is locked by another user")
			}
		}
	})
	b.Run("violations_75_activities", func(b *testing.B) {
		for b.Loop() {
			var v casemgr.Violations
			for i := range acts {
				v.Add(casemgr.PhaseRule, casemgr.FormatID(acts[i].ID), casemgr.CodeStatusNotAllowed)
			}
			if err := v.Err(); err == nil {
				b.Fatal("no error for 75 violations")
			}
		}
	})
}
