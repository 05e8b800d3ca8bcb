"""The citizen report pipeline ("phản ánh hiện trường"): submit, route, handle, rate, dispute."""
