"""Reports on how the SOPs were executed: per operator, SOP, group or day, how many actions were
assigned, done, done on time, late, overdue, missed, failed and skipped (执行率, 准时率)."""
