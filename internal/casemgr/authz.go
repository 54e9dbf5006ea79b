package casemgr

import (
	"slices"
	"strconv"
)

// Actor is who calls the API: a user (an agent, logged in through the
// password grant) or a client application (client credentials).
type Actor struct {
	// User is set for a user actor.
	User *User
	// Client is set for a client-application actor.
	Client *ClientApp
	// Session is the login session the call belongs to.
	Session string
	// Scopes are the scopes granted to the call's token; nil means every
	// scope of the actor's type.
	Scopes []string
}

// UserActor returns the actor for a user.
func UserActor(u *User) Actor { return Actor{User: u} }

// IsClient reports whether the actor is a client application.
func (a Actor) IsClient() bool { return a.User == nil }

// UserID is the ID of a user actor, 0 for a client application.
func (a Actor) UserID() ID {
	if a.User == nil {
		return 0
	}
	return a.User.ID
}

// String names the actor for history entries and logs: "user:1001" or
// "client:crm-bridge".
func (a Actor) String() string {
	switch {
	case a.User != nil:
		// One allocation, not two (the number, then the joined string):
		// every history entry of a request names its actor.
		var buf [24]byte
		return string(strconv.AppendInt(append(buf[:0], "user:"...), a.User.ID, 10))
	case a.Client != nil:
		return "client:" + a.Client.ClientID
	}
	return "anonymous"
}

// HasAction reports whether the actor may perform an action. Client
// applications need no action.
func (a Actor) HasAction(action string) bool {
	return a.User == nil || slices.Contains(a.User.Actions, action)
}

// HasLicense reports whether the actor holds one of the licenses. Client
// applications need no license.
func (a Actor) HasLicense(licenses ...string) bool {
	if a.User == nil {
		return true
	}
	for _, l := range licenses {
		if slices.Contains(a.User.Licenses, l) {
			return true
		}
	}
	return false
}

// HasAnyLicense reports whether the actor holds at least one of the seven
// user licenses ("Any User License"). Client applications need none.
func (a Actor) HasAnyLicense() bool { return a.HasLicense(AllLicenses...) }

// WorksIn reports whether the actor may work in a department: its home
// department or one where the user is a foreign user. Client applications
// work everywhere.
func (a Actor) WorksIn(dept ID) bool {
	if a.User == nil {
		return true
	}
	return a.User.Department == dept || slices.Contains(a.User.ForeignDepartments, dept)
}

// MemberOf reports whether a user actor belongs to a department, home or
// foreign. A client application is a member of none.
func (a Actor) MemberOf(dept ID) bool {
	return a.User != nil && a.WorksIn(dept)
}

// Sees is the one visibility rule of the API: whether the actor may see
// activities, cases and customers of a department. A user sees their home
// department and the departments where they are a foreign user, nothing
// else; a department merely shared with theirs is not visible (sharing is a
// transfer rule: it says where activities may be sent, not who may read
// them). A client application is not departmental and sees every
// department. Whatever the actor does not see answers exactly as if it did
// not exist.
func (a Actor) Sees(dept ID) bool { return a.WorksIn(dept) }

// SeesActivity reports whether the actor sees an activity (by its
// department).
func (a Actor) SeesActivity(act *Activity) bool { return act != nil && a.Sees(act.Department) }

// SeesCase reports whether the actor sees a case (by its department).
func (a Actor) SeesCase(c *Case) bool { return c != nil && a.Sees(c.Department) }

// SeesCustomer reports whether the actor sees a customer: a customer of no
// department (customer departmentalization off) is everyone's, one of a
// department is seen as that department is.
func (a Actor) SeesCustomer(c *Customer) bool {
	return c != nil && (c.Department == 0 || a.Sees(c.Department))
}

// Owns reports whether an uploaded attachment is the actor's to use: only
// the actor that uploaded it (for a client application, an upload of that
// client) may read its upload or attach it to an activity. To anyone else
// its altId answers exactly as an unknown one. Once attached, the bytes are
// read through the activity, by whoever sees the activity.
func (a Actor) Owns(att *Attachment) bool {
	return att != nil && att.UploadedBy != "" && att.UploadedBy == a.String()
}

// ActivityLicenses returns the licenses of which a user needs one to change
// the customer or case of an activity of the given type: Advisor Desktop or
// MailPlus for email and social, Advisor Desktop or CallTrackPlus for
// calltrack, and any user license for other types.
func ActivityLicenses(activityType string) []string {
	switch activityType {
	case TypeEmail, TypeSocial:
		return []string{LicenseAdvisorDesktop, LicenseMailPlus}
	case TypeCalltrack:
		return []string{LicenseAdvisorDesktop, LicenseCallTrackPlus}
	}
	return AllLicenses
}

// pickRule adds the violations of the Pick Activities permissions and
// licenses, which taking over an activity not assigned to the actor needs
// (docs/api.md, Who may do what): the Pick Activities action (403-105), the
// Pull Activities permission on the assigned user or on the queue
// (403-109), the Unpin action when the activity is pinned and unpin=yes is
// sent (403-111), and for email and social activities eGain MailPlus or
// eGain Advisor Desktop (403-106). A client application needs none.
func pickRule(v *Violations, actor Actor, a *Activity, unpin bool) {
	if actor.User == nil {
		return
	}
	key := FormatID(a.ID)
	if pickNeedsPickActivitiesAction(actor) {
		v.Add(PhasePermission, key, CodeActionNotAllowed, "action", ActionPickActivities)
	}
	if reason := pickNeedsPullPermission(actor, a); reason != "" {
		v.Add(PhasePermission, key, CodePickNotAllowed, "reason", reason)
	}
	if pinnedNeedsUnpinAction(actor, a, unpin) {
		v.Add(PhasePermission, key, CodeUnpinNotAllowed)
	}
	if pickNeedsMessagingLicense(actor, a) {
		v.Add(PhasePermission, key, CodeLicenseMissing, "license", LicenseMailPlus+" or "+LicenseAdvisorDesktop)
	}
}

// MayPick reports whether the actor may take over an activity not assigned
// to them (pickRule), unpinning it when unpin is set.
func (a Actor) MayPick(act *Activity, unpin bool) bool {
	var v Violations
	pickRule(&v, a, act, unpin)
	return !v.Any()
}

// pickNeedsPickActivitiesAction: picking needs the Pick Activities action.
func pickNeedsPickActivitiesAction(actor Actor) bool { return !actor.HasAction(ActionPickActivities) }

// pickNeedsPullPermission: picking needs the Pull Activities permission on
// the activity's assigned user, or on its queue when it waits in one. It
// returns the reason of a refusal, "" when allowed.
func pickNeedsPullPermission(actor Actor, a *Activity) string {
	switch {
	case a.AssignedUser != 0 && !slices.Contains(actor.User.PullUsers, a.AssignedUser):
		return "no Pull Activities permission on user " + FormatID(a.AssignedUser)
	case a.AssignedUser == 0 && a.Queue != 0 && !slices.Contains(actor.User.PullQueues, a.Queue):
		return "no Pull Activities permission on queue " + FormatID(a.Queue)
	}
	return ""
}

// pinnedNeedsUnpinAction: unpinning (unpin=yes) a pinned activity that is not
// the caller's own needs the Unpin action. Without unpin=yes a pinned
// activity breaks the business rule 400-243 instead.
func pinnedNeedsUnpinAction(actor Actor, a *Activity, unpin bool) bool {
	return unpin && a.Pinned && a.AssignedUser != actor.UserID() && !actor.HasAction(ActionUnpin)
}

// pickNeedsMessagingLicense: picking an email or social activity needs eGain
// MailPlus or eGain Advisor Desktop.
func pickNeedsMessagingLicense(actor Actor, a *Activity) bool {
	return (a.Type == TypeEmail || a.Type == TypeSocial) && !actor.HasLicense(LicenseMailPlus, LicenseAdvisorDesktop)
}

// MayTransferTo reports whether a user actor has the Transfer Activities
// permission on another user. Client applications may always.
func (a Actor) MayTransferTo(user ID) bool {
	return a.User == nil || a.User.ID == user || slices.Contains(a.User.TransferTo, user)
}
