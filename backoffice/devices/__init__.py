"""The kiosk's devices for staff: its health in words, the banner, failed tickets, test print."""
