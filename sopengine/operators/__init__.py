"""What people do: an action as an operator's task, a day's sheet of them, cells for spreadsheets."""
