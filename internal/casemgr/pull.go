package casemgr

import (
	"context"
	"slices"
)

// PullRequest is a pull (PATCH /activity/pull). It names nothing; HasBody
// says whether the request came with a body, which a pull refuses.
type PullRequest struct {
	HasBody bool
}

// Pull assigns to the calling user, regardless of load, up to their pull
// limit of the activities waiting in their pull-option queues
// (docs/operations/pull.md), by priority, created, then ID, and returns
// the IDs pulled (none: nothing was waiting). Draft replies follow their
// activity.
//
// The checks run in the documented order: a body (400), a caller that is
// not a user (403-105), the Pull Activities action (403-105), a user with
// no pull-option queue (400), and no Pull Activities permission on any of
// them (403). Concurrent pulls never take the same activity: the store
// skips what another transaction holds (PullCandidates).
func (s *Service) Pull(ctx context.Context, actor Actor, req PullRequest) ([]ID, error) {
	if err := checkPull(actor, req); err != nil {
		return nil, err
	}
	var pulled []ID
	err := s.Store.Write(ctx, func(tx Tx) error {
		pulled = nil // Write may run fn again
		now := s.now()
		settings, err := tx.Settings()
		if err != nil {
			return err
		}
		f, ok := pullFilter(actor, settings)
		if !ok {
			return nil
		}
		acts, err := tx.PullCandidates(f)
		if err != nil || len(acts) == 0 {
			return err
		}
		st, err := loadPulled(tx, acts)
		if err != nil {
			return err
		}
		for _, a := range st.named {
			pulled = append(pulled, a.ID)
		}
		return applyMoves(tx, st, actor, "pull", now, assignTo(actor.UserID()))
	})
	if err != nil {
		return nil, err
	}
	return pulled, nil
}

// loadPulled is the state of a move of the activities a pull took (locked,
// in the order taken) with their responses, locked too: the draft replies
// that follow them.
func loadPulled(tx Tx, acts []Activity) (*bulkState, error) {
	ids := make([]ID, len(acts))
	for i := range acts {
		ids[i] = acts[i].ID
	}
	responses, err := tx.Responses(ids, true)
	if err != nil {
		return nil, err
	}
	st := &bulkState{found: byID(acts), responses: responses}
	for _, id := range ids {
		st.named = append(st.named, st.found[id])
	}
	return st, nil
}

// checkPull checks every rule of a pull, in the documented order; none of
// them needs the database: a user's pull options and permissions come with
// the actor.
func checkPull(actor Actor, req PullRequest) error {
	switch {
	case pullTakesNoBody(req):
		return E(CodePullBodyNotAllowed)
	case pullNeedsUser(actor), pullNeedsPullActivitiesAction(actor):
		return E(CodeActionNotAllowed, "action", ActionPullActivities)
	case pullNeedsPullQueues(actor.User):
		return E(CodeNoPullQueues, "name", actor.User.Name)
	case len(pullableQueues(actor.User)) == 0:
		return E(CodePullQueueNotAllowed)
	}
	return nil
}

// pullTakesNoBody: PL2, a request body is 400.
func pullTakesNoBody(req PullRequest) bool { return req.HasBody }

// pullNeedsUser: PL1, the caller is a user; a client application is 403-105.
func pullNeedsUser(actor Actor) bool { return actor.User == nil }

// pullNeedsPullActivitiesAction: pulling needs the Pull Activities action.
func pullNeedsPullActivitiesAction(actor Actor) bool { return !actor.HasAction(ActionPullActivities) }

// pullNeedsPullQueues: PL3, the user has at least one queue in their pull
// options (400).
func pullNeedsPullQueues(u *User) bool { return len(u.PullOptionQueues) == 0 }

// pullableQueues are the pull-option queues on which the user has the
// Pull Activities permission: the queues a pull takes from. None is 403.
func pullableQueues(u *User) []ID {
	var qs []ID
	for _, q := range u.PullOptionQueues {
		if slices.Contains(u.PullQueues, q) {
			qs = append(qs, q)
		}
	}
	return qs
}

// pullLimit is the most activities one pull assigns: the user's own
// maxActivitiesToPull, else the setting, else DefaultMaxActivitiesToPull.
func pullLimit(u *User, s Settings) int {
	switch {
	case u.MaxActivitiesToPull > 0:
		return u.MaxActivitiesToPull
	case s.MaxActivitiesToPull > 0:
		return s.MaxActivitiesToPull
	}
	return DefaultMaxActivitiesToPull
}

// pullExcludedTypes are the types a user does not pull: never calltrack,
// chat or web; email only with eGain Advisor Desktop or eGain MailPlus;
// social only with eGain Advisor Desktop. ok is false when the user holds
// no user license at all, and so pulls nothing (task and user-defined
// types need any user license).
func pullExcludedTypes(actor Actor) (excluded []string, ok bool) {
	if !actor.HasAnyLicense() {
		return nil, false
	}
	excluded = []string{TypeCalltrack, TypeChat, TypeWeb}
	if !actor.HasLicense(LicenseAdvisorDesktop, LicenseMailPlus) {
		excluded = append(excluded, TypeEmail)
	}
	if !actor.HasLicense(LicenseAdvisorDesktop) {
		excluded = append(excluded, TypeSocial)
	}
	return excluded, true
}

// pullFilter selects what a user pulls: from the pull-option queues they
// may pull from, in the departments they see, the types they are licensed
// for, up to their limit. ok is false when they may pull nothing.
func pullFilter(actor Actor, s Settings) (PullFilter, bool) {
	excluded, ok := pullExcludedTypes(actor)
	if !ok {
		return PullFilter{}, false
	}
	u := actor.User
	depts := append([]ID{u.Department}, u.ForeignDepartments...)
	return PullFilter{Queues: pullableQueues(u), Departments: depts, ExcludeTypes: excluded, Limit: pullLimit(u, s)}, true
}
