"""The Kivy touchscreen: one screen per flow step. Imported only by kiosk.app and UI tests."""
