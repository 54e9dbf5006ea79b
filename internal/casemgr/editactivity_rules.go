package casemgr

import (
	"slices"
	"strconv"
	"time"
)

// The rules of edit activity (docs/operations/edit-activity.md) and of
// complete activities (docs/operations/complete-activities.md), one small
// function per rule, named after it. rules_test.go pins each.

// editSetsSomething (EA3): an edit sends at least one of dueDate, priority,
// language.value and customAttributes.
func editSetsSomething(req EditActivityRequest) bool {
	return req.DueDate != nil || req.Priority != nil || req.Language != nil || len(req.CustomAttributes) > 0
}

// dueDateInFuture (EA5): the due date is a valid date-time after now; it
// returns the date read.
func dueDateInFuture(s string, now time.Time) (time.Time, bool) {
	t, err := ParseTime(s)
	return t, err == nil && t.After(now)
}

// priorityInRange (EA6): a priority is "1" to "7".
func priorityInRange(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 7 && strconv.Itoa(n) == p
}

// languageSupported (EA7): the language is one of the configured activity
// languages.
func languageSupported(lang string, langs []string) bool { return slices.Contains(langs, lang) }

// editNeedsAssigned (EA9): only an assigned activity is edited.
func editNeedsAssigned(a *Activity) bool { return a.Status == StatusAssigned }

// assignedToCaller (EA10, CA2): the activity is assigned to the calling
// user; for a client application, to anyone.
func assignedToCaller(a *Activity, actor Actor) bool {
	if actor.IsClient() {
		return a.AssignedUser != 0
	}
	return a.AssignedUser == actor.UserID()
}

// wrapUpLicenses are the licenses of which a user needs one to edit or
// complete an activity of the type: Advisor Desktop or MailPlus for email
// and social, Advisor Desktop or CallTrackPlus for calltrack, Advisor
// Desktop or ChatPlus for chat, any user license otherwise.
func wrapUpLicenses(activityType string) []string {
	if activityType == TypeChat {
		return []string{LicenseAdvisorDesktop, LicenseChatPlus}
	}
	return ActivityLicenses(activityType)
}

// completable (CA3): email, social, calltrack, task and user-defined
// activities are completed; chat and web are not.
func completable(activityType string) bool {
	return activityType != TypeChat && activityType != TypeWeb
}

// completeNeedsCategory (CA5): in a department that forces categorization,
// an activity without a category is not completed.
func completeNeedsCategory(a *Activity, dept *Department) bool {
	return dept != nil && dept.ForceCategorization && len(a.Categories) == 0
}

// completeNeedsResolutionCode (CA5): in a department that forces
// resolution codes, an activity without one is not completed.
func completeNeedsResolutionCode(a *Activity, dept *Department) bool {
	return dept != nil && dept.ForceResolutionCode && len(a.ResolutionCodes) == 0
}

// awaitingSupervision (CA6): an activity awaiting supervision is not
// completed.
func awaitingSupervision(a *Activity) bool { return a.AwaitingSupervision }
