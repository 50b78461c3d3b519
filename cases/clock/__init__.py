"""The clock: the working-day calendar and its yearly upkeep, overdue marks, reminders."""
