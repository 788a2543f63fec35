/// A count with its noun in the right number: `counted(1, "token")` is "1 token", `counted(2, "token")` "2 tokens".
func counted(_ count: Int, _ singular: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? singular : plural ?? singular + "s")"
}
