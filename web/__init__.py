"""Web UI and JSON API (Flask): thin views over matcher."""
