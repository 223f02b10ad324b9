"""社情民意: residents' messages to their township, answered within a deadline, rated, public."""
