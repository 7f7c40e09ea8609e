"""The separate source/channel coding reference that every semantic claim is compared with."""
