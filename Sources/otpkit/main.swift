print("otpkit")
