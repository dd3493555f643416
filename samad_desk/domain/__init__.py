"""The vocabulary of samad-desk: citizens, cases, events, agencies, operators and roles;
the workflow state machine; SLA deadlines in Jalali working days; tracking codes; the
intent operations and the shared reducer. Pure: no I/O, no Textual. See docs/domain.md."""
