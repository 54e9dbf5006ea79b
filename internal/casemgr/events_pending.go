package casemgr

import "context"

// Until the events outbox lands (issue 16 items 1, 2): the head of the feed
// and the event types. Replaced by the events package's own.

func (s *Service) eventsHead(ctx context.Context) (int64, error) { return 0, nil }

func webhookEventTypes() []string {
	return []string{"activity.created", "activity.customer_changed", "activity.case_changed", "activity.transferred",
		"activity.completed", "activity.assigned", "case.created", "case.closed", "case.reopened",
		"case.customer_changed", "customer.created", "customer.changed"}
}
