/// How strongly and when gaze is corrected.
public struct CorrectionSettings: Sendable, Equatable, Codable {
    /// 0 leaves every frame untouched, 1 moves the gaze fully onto the target; in between is proportional.
    public var intensity: Double
    /// Eye gaze up to this many degrees off the lens (sideways and up or down together) is corrected fully …
    public var fullCorrectionBelowDegrees: Double
    /// … and beyond this it is left alone, so a person who looks at someone is not dragged back.
    public var noCorrectionBeyondDegrees: Double
    /// A head turned up to this many degrees from the camera is corrected fully …
    public var headTurnFullBelowDegrees: Double
    /// … and beyond this it is left alone: the person is facing someone or something else.
    public var headTurnNoneBeyondDegrees: Double
    /// The gaze is aimed this many degrees below the lens: perceived eye contact peaks slightly below it.
    public var targetBelowLensDegrees: Double
    /// A face narrower than this share of the widest face in the picture is someone in the background and is
    /// left alone (the correction fades out from this share down to four fifths of it): a presenter's eyes are
    /// redirected, not those of a bystander who happens to be in the shot. 0 corrects every face.
    public var backgroundFaceShare: Double

    public init(intensity: Double = 1, fullCorrectionBelowDegrees: Double = 20, noCorrectionBeyondDegrees: Double = 30,
                headTurnFullBelowDegrees: Double = 30, headTurnNoneBeyondDegrees: Double = 45,
                targetBelowLensDegrees: Double = 2, backgroundFaceShare: Double = 0.5) {
        self.intensity = intensity
        self.fullCorrectionBelowDegrees = fullCorrectionBelowDegrees
        self.noCorrectionBeyondDegrees = noCorrectionBeyondDegrees
        self.headTurnFullBelowDegrees = headTurnFullBelowDegrees
        self.headTurnNoneBeyondDegrees = headTurnNoneBeyondDegrees
        self.targetBelowLensDegrees = targetBelowLensDegrees
        self.backgroundFaceShare = backgroundFaceShare
    }

    /// Settings written before `backgroundFaceShare` existed decode with its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(intensity: try c.decode(Double.self, forKey: .intensity),
                  fullCorrectionBelowDegrees: try c.decode(Double.self, forKey: .fullCorrectionBelowDegrees),
                  noCorrectionBeyondDegrees: try c.decode(Double.self, forKey: .noCorrectionBeyondDegrees),
                  headTurnFullBelowDegrees: try c.decode(Double.self, forKey: .headTurnFullBelowDegrees),
                  headTurnNoneBeyondDegrees: try c.decode(Double.self, forKey: .headTurnNoneBeyondDegrees),
                  targetBelowLensDegrees: try c.decode(Double.self, forKey: .targetBelowLensDegrees),
                  backgroundFaceShare: try c.decodeIfPresent(Double.self, forKey: .backgroundFaceShare) ?? Self().backgroundFaceShare)
    }

    /// Describes the first setting that is out of range, or `nil` when all are usable.
    public var problem: String? {
        if !(0...1).contains(intensity) { return "intensity must be between 0 and 1 (got \(intensity))." }
        for (full, none) in [(fullCorrectionBelowDegrees, noCorrectionBeyondDegrees), (headTurnFullBelowDegrees, headTurnNoneBeyondDegrees)] {
            if !(0...90).contains(full) || !(0...90).contains(none) { return "look-away thresholds must be between 0 and 90 degrees." }
            if none < full { return "a no-correction threshold (\(none)°) must not be below its full-correction one (\(full)°)." }
        }
        if !(-10...10).contains(targetBelowLensDegrees) { return "the target offset must be between -10 and 10 degrees." }
        if !(0...1).contains(backgroundFaceShare) { return "the background face share must be between 0 and 1 (got \(backgroundFaceShare))." }
        return nil
    }
}
